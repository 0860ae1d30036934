"""skorch nets that train an encoder against an adversary, one alternating round per batch."""

import torch
from skorch import NeuralNet
from skorch.dataset import unpack_data
from skorch.utils import TeeGenerator, to_device

from ._losses import (
    batch_hard_triplet_loss,
    confusion_loss,
    entropy,
    mmd_penalty,
    neutral_target_penalty,
    similarity_preservation,
    zero_from,
)
from ._modules import Adversary, GradientReversal

__all__ = ["AdversarialNet", "LNTLNet", "PASSNet", "SensitiveNetsNet"]


class AdversarialNet(NeuralNet):
    """A skorch ``NeuralNet`` whose batches alternate adversary and encoder updates.

    The target of ``fit`` is an ``(n, 2)`` int64 array: the utility label and the
    sensitive label of each sample, ``-1`` where missing. Each batch first trains the
    adversary (``adversary``, on phi detached) for ``adversary_steps`` steps with its own
    optimizer, then the encoder for ``encoder_steps`` steps on :meth:`get_loss`; one
    forward of the encoder serves the adversary's steps and the encoder's first step (the
    encoder does not change in between). Per
    batch the history records each loss term of :meth:`loss_terms` under its name
    (unweighted) and ``adversary_accuracy`` (of the adversary on the batch, before the
    encoder update).

    Parameters
    ----------
    module : torch module class or instance
        The encoder (and, for LNTL, the main head); ``module__*`` parameters reach it.
        Its ``out_features`` attribute gives the dimension of phi.
    adversary : torch module class or instance, default=Adversary
        The sensitive classifier; ``adversary__*`` parameters reach it.
    adversary_optimizer : torch optimizer class, default=torch.optim.Adam
        Its optimizer; ``adversary_optimizer__*`` parameters reach it (``lr`` defaults to
        the net's ``lr``).
    adversary_steps, encoder_steps : int, default=1
        Updates of each per batch.
    lam : float, default=1.0
        Weight of the suppression term.
    suppression : {"paper", "confusion", "mmd"}, default="paper"
        ``"paper"``: the method's own term (see the subclasses). ``"confusion"``:
        cross-entropy of the adversary's output against the uniform distribution.
        ``"mmd"``: kernel MMD between the class-conditional distributions of phi.
    preserve : float, default=0.0
        Weight of :func:`similarity_preservation` of the input geometry.
    **kwargs
        Passed to :class:`skorch.NeuralNet`.
    """

    def __init__(
        self,
        module,
        *args,
        adversary=Adversary,
        adversary_optimizer=torch.optim.Adam,
        adversary_steps=1,
        encoder_steps=1,
        lam=1.0,
        suppression="paper",
        preserve=0.0,
        **kwargs,
    ):
        super().__init__(module, *args, **kwargs)
        self.suppression = suppression
        self.preserve = preserve
        self.adversary = adversary
        self.adversary_optimizer = adversary_optimizer
        self.adversary_steps = adversary_steps
        self.encoder_steps = encoder_steps
        self.lam = lam

    def initialize_module(self):
        """Initialise the encoder (``module_``) and the adversary (``adversary_``)."""
        super().initialize_module()
        # The adversary reads phi: its input size is the encoder's output size.
        params = {"n_features": self.module_.out_features, **self.get_params_for("adversary")}
        self.adversary_ = self.initialized_instance(self.adversary, params)
        return self

    def initialize_optimizer(self, *args, **kwargs):
        """Give the encoder and the adversary an optimizer each."""
        named = self.module_.named_parameters()
        args_, kwargs_ = self.get_params_for_optimizer("optimizer", named)
        self.optimizer_ = self.optimizer(*args_, **kwargs_)
        named = self.adversary_.named_parameters()
        args_, kwargs_ = self.get_params_for_optimizer("adversary_optimizer", named)
        self.adversary_optimizer_ = self.adversary_optimizer(*args_, **kwargs_)
        return self

    def phi_of(self, y_pred):
        """Return phi from the output of ``module_``."""
        return y_pred

    def train_step(self, batch, **fit_params):
        """One alternating round: adversary steps, then encoder steps."""
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        Xi, yi = to_device(Xi, self.device), to_device(yi, self.device)
        # The encoder does not change during the adversary's steps: its forward serves
        # them (detached) and the encoder's first step.
        y_pred = self.infer(Xi, **fit_params)
        sensitive = yi[:, 1]
        known = sensitive >= 0
        if known.any():
            phi = self.phi_of(y_pred).detach()[known]
            targets = self.adversary_targets(sensitive[known])
            for _ in range(self.adversary_steps):
                self.adversary_optimizer_.zero_grad()
                logits = self.adversary_(phi)
                self.criterion_(logits, targets).backward()
                self.adversary_optimizer_.step()
            if not self.adversary_steps:  # the adversary is only read, never trained
                with torch.no_grad():
                    logits = self.adversary_(phi)
            accuracy = (logits.argmax(dim=1) == targets).float().mean().item()
            self.history.record_batch("adversary_accuracy", accuracy)
        for step in range(self.encoder_steps):
            self.optimizer_.zero_grad()
            if step:
                y_pred = self.infer(Xi, **fit_params)
            loss = self.get_loss(y_pred, yi, X=Xi, training=True)
            self._check_finite("loss", torch.isfinite(loss))
            loss.backward()
            self.notify(
                "on_grad_computed",
                named_parameters=TeeGenerator(self.module_.named_parameters()),
                X=Xi,
                y=yi,
                training=True,
            )
            self.optimizer_.step()
        # A tensor's smallest and largest values are finite exactly when all its values
        # are (NaN propagates); they read each weight once, where isfinite writes a mask.
        weights = [*self.module_.parameters(), *self.adversary_.parameters()]
        extremes = torch.stack(
            [torch.stack(torch.aminmax(w.detach())) for w in weights if w.numel()]
        )
        self._check_finite("weights", torch.isfinite(extremes).all())
        return {"loss": loss, "y_pred": y_pred}

    def adversary_targets(self, sensitive):
        """The labels that the adversary's logits answer, row for row (one adversary: as is)."""
        return sensitive

    def _check_finite(self, what, finite):
        """Stop training with an error naming the epoch and batch unless ``finite``."""
        if not bool(finite):
            epoch, batch = len(self.history), len(self.history[-1, "batches"])
            raise FloatingPointError(
                f"training diverged: non-finite {what} at epoch {epoch}, batch {batch} "
                f"(1-based); lower the learning rate (now "
                f"{self.optimizer_.param_groups[0]['lr']}) or lam (now {self.lam})"
            )

    #: Names of the loss terms, in the order :meth:`loss_terms` returns them.
    term_names = ()

    def loss_terms(self, y_pred, y_true, X):
        """Return the unweighted loss terms, ``{name: scalar tensor}``, named as ``term_names``."""
        raise NotImplementedError

    def term_weights(self):
        """Return the weight of each loss term, ``{name: float}``."""
        raise NotImplementedError

    def get_loss(self, y_pred, y_true, X=None, training=False):
        """Return the weighted sum of :meth:`loss_terms` (one scalar, as skorch expects).

        While training, every unweighted term is recorded in the history under its name.
        """
        terms = self.loss_terms(y_pred, to_device(y_true, self.device), X)
        if training:
            for name, value in terms.items():
                self.history.record_batch(name, value.item())
        weights = self.term_weights()
        return sum(weights[name] * value for name, value in terms.items())

    def paper_suppression(self, phi, logits):
        """Return the method's own suppression term, given phi and the adversary's logits."""
        raise NotImplementedError

    def labelled_cross_entropy(self, logits, labels, phi):
        """Return the cross-entropy on the rows whose label is known (a zero when none is)."""
        known = labels >= 0
        if not known.any():
            return zero_from(phi)
        return self.criterion_(logits[known], labels[known])

    def suppression_term(self, phi, sensitive):
        """Return the suppression term on the samples whose sensitive label is known."""
        known = sensitive >= 0
        if not known.any():
            return zero_from(phi)
        phi, sensitive = phi[known], sensitive[known]
        if self.suppression == "mmd":
            return mmd_penalty(phi, sensitive)
        logits = self.adversary_(phi)
        if self.suppression == "confusion":
            return confusion_loss(logits)
        return self.paper_suppression(phi, logits)

    def similarity_term(self, phi, X):
        """Return :func:`similarity_preservation`, or a zero when ``preserve`` is 0."""
        if not self.preserve:
            return zero_from(phi)
        return similarity_preservation(phi, to_device(X, self.device))


class SensitiveNetsNet(AdversarialNet):
    """SensitiveNets: triplet loss on phi plus lambda times the suppression term.

    Parameters
    ----------
    margin : float, default=0.2
        Triplet margin alpha (on L2-normalised phi, squared distances).
    neutral : int, default=0
        Code of the neutral class (for ``"paper"``).
    target : float, default=0.9
        Target probability of the neutral class (for ``"paper"``).
    """

    term_names = ("triplet", "suppression", "similarity")

    def __init__(self, *args, margin=0.2, neutral=0, target=0.9, **kwargs):
        super().__init__(*args, **kwargs)
        self.margin = margin
        self.neutral = neutral
        self.target = target

    def paper_suppression(self, phi, logits):
        """``log(1 + |target - P(neutral | phi)|)`` (the paper's Delta)."""
        return neutral_target_penalty(logits, self.neutral, self.target)

    def loss_terms(self, y_pred, y_true, X):
        """Triplet loss on ``y``, the suppression term, the similarity preservation."""
        phi = y_pred
        return {
            "triplet": batch_hard_triplet_loss(phi, y_true[:, 0], self.margin),
            "suppression": self.suppression_term(phi, y_true[:, 1]),
            "similarity": self.similarity_term(phi, X),
        }

    def term_weights(self):
        """Triplet 1, suppression ``lam``, similarity ``preserve``."""
        return {"triplet": 1.0, "suppression": self.lam, "similarity": self.preserve}


class LNTLNet(AdversarialNet):
    """Learning Not To Learn: main-task cross-entropy, gradient reversal and entropy.

    The encoder minimises the main head's cross-entropy on ``y`` (``main``), maximises
    the bias head's cross-entropy through a gradient reversal layer of scale
    ``grl_scale`` (``reversed_bias``: the bias head's cross-entropy, whose gradient
    reaches the encoder multiplied by ``-grl_scale``), and minimises ``lam`` times the
    suppression term, by default (``"paper"``) the negative entropy of the bias head's
    prediction.
    """

    term_names = ("main", "reversed_bias", "suppression", "similarity")

    def __init__(self, *args, grl_scale=1.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.grl_scale = grl_scale

    def phi_of(self, y_pred):
        """Return phi, the first output of the LNTL module."""
        return y_pred[0]

    def paper_suppression(self, phi, logits):
        """Return the negative entropy of the bias head's prediction."""
        return -entropy(logits)

    def reversed_bias_term(self, phi, sensitive):
        """The bias head's cross-entropy on phi seen through the gradient reversal layer."""
        known = sensitive >= 0
        if not known.any() or not self.grl_scale:
            return zero_from(phi)
        reversed_phi = GradientReversal(self.grl_scale)(phi[known])
        return self.criterion_(self.adversary_(reversed_phi), sensitive[known])

    def loss_terms(self, y_pred, y_true, X):
        """Main cross-entropy, reversed bias cross-entropy, suppression, similarity."""
        (phi, main_logits), sensitive = y_pred, y_true[:, 1]
        return {
            "main": self.labelled_cross_entropy(main_logits, y_true[:, 0], phi),
            "reversed_bias": self.reversed_bias_term(phi, sensitive),
            "suppression": self.suppression_term(phi, sensitive),
            "similarity": self.similarity_term(phi, X),
        }

    def term_weights(self):
        """Main and reversed bias 1 (``grl_scale`` acts on the gradient), ``lam``, ``preserve``."""
        return {
            "main": 1.0,
            "reversed_bias": 1.0,
            "suppression": self.lam,
            "similarity": self.preserve,
        }


class PASSNet(AdversarialNet):
    """PASS: an identity classifier on phi and an ensemble of discriminators to confuse.

    The encoder and its identity head minimise the cross-entropy on ``y`` (``main``)
    plus ``lam`` times the ensemble's confusion (``suppression``: the cross-entropy of
    every member's prediction against the uniform distribution, averaged). The members
    learn the attribute from the detached phi on every batch, and after every
    ``reinit_every`` epochs one of them, in turn, is drawn afresh, so that phi must
    defeat discriminators it has not shaped.

    Parameters
    ----------
    reinit_every : int, default=2
        Epochs between re-initialisations (0: never).
    """

    term_names = ("main", "suppression", "similarity")

    def __init__(self, *args, reinit_every=2, **kwargs):
        super().__init__(*args, **kwargs)
        self.reinit_every = reinit_every

    def phi_of(self, y_pred):
        """Return phi, the first output of the module."""
        return y_pred[0]

    def adversary_targets(self, sensitive):
        """Each member answers every row: the labels, once per member."""
        return sensitive.repeat(len(self.adversary_.members))

    def paper_suppression(self, phi, logits):
        """The members' mean cross-entropy against the uniform distribution."""
        return confusion_loss(logits)

    def loss_terms(self, y_pred, y_true, X):
        """Identity cross-entropy, the ensemble's confusion, the similarity preservation."""
        phi, main_logits = y_pred
        return {
            "main": self.labelled_cross_entropy(main_logits, y_true[:, 0], phi),
            "suppression": self.suppression_term(phi, y_true[:, 1]),
            "similarity": self.similarity_term(phi, X),
        }

    def term_weights(self):
        """Main 1, suppression ``lam``, similarity ``preserve``."""
        return {"main": 1.0, "suppression": self.lam, "similarity": self.preserve}

    def on_epoch_end(self, net, **kwargs):
        """Re-initialise the next member after every ``reinit_every`` epochs."""
        super().on_epoch_end(net, **kwargs)
        epochs = len(self.history)
        if not self.reinit_every or epochs % self.reinit_every:
            return
        index = (epochs // self.reinit_every - 1) % len(self.adversary_.members)
        for parameter in self.adversary_.reinitialize(index):
            self.adversary_optimizer_.state.pop(parameter, None)
