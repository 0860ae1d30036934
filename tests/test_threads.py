"""The jobs' thread discipline: one BLAS and one torch thread, restored afterwards."""

import torch
from threadpoolctl import threadpool_info

from skblind._threads import one_thread


def test_one_thread_limits_blas_and_torch_and_restores_them():
    torch_before = torch.get_num_threads()
    blas_before = [pool["num_threads"] for pool in threadpool_info()]
    with one_thread():
        assert torch.get_num_threads() == 1
        assert all(pool["num_threads"] == 1 for pool in threadpool_info())
    assert torch.get_num_threads() == torch_before
    assert [pool["num_threads"] for pool in threadpool_info()] == blas_before


def test_one_thread_restores_after_an_error():
    before = torch.get_num_threads()
    try:
        with one_thread():
            raise RuntimeError("inside")
    except RuntimeError:
        pass
    assert torch.get_num_threads() == before
