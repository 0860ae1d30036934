"""Embedding and model selection on a dask.distributed LocalCluster (loopback TCP)."""

import joblib
import numpy as np
import pandas as pd
import pytest
import sklearn
from fast_fits import FAST
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, GroupKFold
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC

from skblind.datasets import make_blinding_problem
from skblind.embedding import FaceEmbedder, dask_transform
from skblind.jobs import embed_images, read_embeddings
from skblind.suppression import SensitiveNetsSuppressor

distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")


@pytest.fixture(scope="module")
def client():
    with (
        # Two worker threads in this process, spoken to over loopback TCP (every task and
        # result is serialised): partitions run concurrently, as on a cluster's threaded
        # workers, without two more processes each holding torch and the backbone.
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=False,
            protocol="tcp://",
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        assert all(w.startswith("tcp://127.0.0.1") for w in client.scheduler_info()["workers"])
        yield client


def test_dask_transform_matches_local_embedding_in_order(client, orl):
    paths = list(orl.paths[:12])
    embedder = FaceEmbedder(layer="pooled", progress=False)
    with distributed.get_task_stream(client) as tasks:
        X = dask_transform(embedder, paths, client=client, partition_size=5)
    assert len(tasks.data) == 3  # three partitions ran on the workers
    np.testing.assert_allclose(X, embedder.transform(paths), atol=1e-5)


def test_dask_transform_errors_early(client, orl):
    with pytest.raises(ValueError, match="empty input"):
        dask_transform(FaceEmbedder(), [], client=client)
    with pytest.raises(ValueError, match="partition_size"):
        dask_transform(FaceEmbedder(), list(orl.paths[:2]), client=client, partition_size=0)


def test_embed_command_on_a_cluster_writes_the_same_shards(client, orl, tmp_path):
    pd.DataFrame({"path": orl.paths[:9], "subject": orl.subject[:9]}).to_csv(
        tmp_path / "faces.csv", index=False
    )
    manifest = embed_images(
        tmp_path / "faces.csv", tmp_path / "dask", shard_size=4, client=client, progress=False
    )
    embed_images(tmp_path / "faces.csv", tmp_path / "local", shard_size=4, progress=False)
    assert manifest["n_shards"] == 3
    (X_dask, t_dask), (X_local, t_local) = (
        read_embeddings(tmp_path / "dask"),
        read_embeddings(tmp_path / "local"),
    )
    pd.testing.assert_frame_equal(t_dask, t_local)
    np.testing.assert_allclose(X_dask, X_local, atol=1e-5)


def test_gridsearch_over_lambda_and_probes_on_the_dask_joblib_backend(client):
    data = make_blinding_problem(
        n_subjects=12, n_per_subject=6, n_features=16, identity_dim=6, random_state=0
    )
    grid = {
        "suppressor__lam": [0.5, 2.0],
        "attacker": [SVC(), LogisticRegression(max_iter=500)],
    }

    def search():
        with sklearn.config_context(enable_metadata_routing=True):
            suppressor = SensitiveNetsSuppressor(**FAST).set_fit_request(sensitive_features=True)
            pipe = Pipeline([("suppressor", suppressor), ("attacker", SVC())])
            return GridSearchCV(pipe, grid, cv=GroupKFold(3), n_jobs=-1).fit(
                data.X, data.subject, sensitive_features=data.sensitive, groups=data.subject
            )

    with distributed.get_task_stream(client) as tasks, joblib.parallel_config(backend="dask"):
        on_dask = search()
    # The 12 fits ran as tasks on the cluster (joblib's dask backend may batch several fits
    # into one task, as its timing sees fit, so the count of tasks is not the count of fits).
    assert tasks.data and all(t["worker"].startswith("tcp://127.0.0.1") for t in tasks.data)
    local = search()
    np.testing.assert_allclose(
        on_dask.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"]
    )
    assert on_dask.best_params_["suppressor__lam"] == local.best_params_["suppressor__lam"]


def test_the_audit_runs_its_splits_on_the_dask_joblib_backend(client):
    from skblind.evaluation import audit_report

    data = make_blinding_problem(
        n_subjects=12, n_per_subject=6, n_features=8, identity_dim=4, random_state=0
    )
    options = dict(
        groups=data.subject,
        y=data.subject,
        representations={
            "raw": None,
            "sn": SensitiveNetsSuppressor(max_epochs=2, progress=False, random_state=0),
        },
        attackers={"LR": LogisticRegression(max_iter=500)},
        adaptive=False,
        n_splits=3,
        n_permutations=50,
        n_jobs=-1,
        progress=False,
    )
    with distributed.get_task_stream(client) as tasks, joblib.parallel_config(backend="dask"):
        on_dask = audit_report(data.X, data.sensitive, **options).leakage
    assert len(tasks.data) >= 6  # 2 representations x 3 splits
    local = audit_report(data.X, data.sensitive, **options).leakage
    numeric = local.select_dtypes("number").columns
    np.testing.assert_allclose(on_dask[numeric], local[numeric])
