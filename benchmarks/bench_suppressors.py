"""Overhead of training the suppressors through skorch, against a bare torch loop.

Baseline: a hand-written torch loop that performs the same updates on the same data
(same modules, losses, optimizers, batch size, epochs and shuffled batches: one
adversary step and one encoder step per batch; each suppressor's default encoder).
Prints the fit time of each and the ratio skorch / bare, measured in this run (median
of ``--repeats`` runs). The closed-form steps after training (within-person projection,
LEACE) are switched off on both sides (they are not part of the training loop).

    python benchmarks/bench_suppressors.py [--n-subjects 200] [--epochs 20] [--repeats 3]
"""

import argparse
import statistics
import time

import numpy as np
import torch

from skblind.datasets import make_blinding_problem
from skblind.suppression import LNTLSuppressor, SensitiveNetsSuppressor
from skblind.suppression._losses import batch_hard_triplet_loss, mmd_penalty
from skblind.suppression._modules import (
    Adversary,
    GradientReversal,
    LNTLModule,
    LowRankResidual,
)

LAM = 2.0


def bare_loop(kind, X, y, s, epochs, batch_size, lam, seed):
    """The same training as the suppressor, written as a plain torch loop."""
    torch.manual_seed(seed)
    n_features, n_sensitive = X.shape[1], int(s.max()) + 1
    if kind == "sensitivenets":
        encoder = LowRankResidual(n_features)
    else:
        encoder = LNTLModule(n_features, int(y.max()) + 1)
    adversary = Adversary(encoder.out_features, n_sensitive)
    optimizer = torch.optim.Adam(encoder.parameters(), lr=1e-3)
    adversary_optimizer = torch.optim.Adam(adversary.parameters(), lr=1e-3)
    criterion = torch.nn.CrossEntropyLoss()
    data = torch.utils.data.TensorDataset(
        torch.as_tensor(X), torch.as_tensor(np.stack([y, s], axis=1))
    )
    loader = torch.utils.data.DataLoader(data, batch_size=batch_size, shuffle=True)

    def encode(xb):
        out = encoder(xb)
        return out if kind == "sensitivenets" else out[0]

    for _ in range(epochs):
        for xb, yb in loader:
            with torch.no_grad():
                phi = encode(xb)
            adversary_optimizer.zero_grad()
            criterion(adversary(phi), yb[:, 1]).backward()
            adversary_optimizer.step()
            optimizer.zero_grad()
            if kind == "sensitivenets":
                phi = encoder(xb)
                loss = batch_hard_triplet_loss(phi, yb[:, 0], 0.2)
            else:
                phi, logits = encoder(xb)
                loss = criterion(logits, yb[:, 0])
                loss = loss + criterion(adversary(GradientReversal(1.0)(phi)), yb[:, 1])
            loss = loss + lam * mmd_penalty(phi, yb[:, 1])
            loss.backward()
            optimizer.step()


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    function(*args, **kwargs)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-subjects", type=int, default=200)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    data = make_blinding_problem(n_subjects=args.n_subjects, random_state=0)
    X, y, s = data.X, data.subject.astype(np.int64), data.sensitive.astype(np.int64)
    common = dict(
        max_epochs=args.epochs,
        batch_size=128,
        lam=LAM,
        suppression="mmd",
        progress=False,
        random_state=0,
        device="cpu",
    )
    print(
        f"{len(X)} samples x {X.shape[1]} features, {args.epochs} epochs, batch 128, CPU, "
        f"torch threads {torch.get_num_threads()}; baseline: bare torch loop"
    )
    for kind, cls in (("sensitivenets", SensitiveNetsSuppressor), ("lntl", LNTLSuppressor)):
        skorch_times, bare_times = [], []
        for _ in range(args.repeats):
            # SensitiveNets with the residual encoder (the recipe's), LNTL with its own.
            encoder = "residual" if kind == "sensitivenets" else "dense"
            model = cls(encoder=encoder, **common)
            skorch_times.append(timed(model.fit, X, y, sensitive_features=s))
            bare_times.append(timed(bare_loop, kind, X, y, s, args.epochs, 128, LAM, 0))
        skorch_time, bare_time = statistics.median(skorch_times), statistics.median(bare_times)
        print(
            f"{cls.__name__:26s} skorch {skorch_time:6.2f} s   bare loop {bare_time:6.2f} s   "
            f"ratio {skorch_time / bare_time:.2f}x"
        )


if __name__ == "__main__":
    main()
