"""Threads: one per process where a job's parallelism comes from processes.

Small fits (hundreds of rows) gain little from a second intra-op thread, and threads that
wait on each other (OpenMP and torch spin-wait at every barrier) burn CPU and stall when
another program holds a core. The jobs therefore run their work in joblib processes of one
thread each (joblib's loky workers are limited so already) and keep the parent process
at one thread too.
"""

from contextlib import contextmanager

__all__ = ["one_thread"]


@contextmanager
def one_thread():
    """Limit this process to one BLAS/OpenMP thread and one torch thread, then restore."""
    import torch
    from threadpoolctl import threadpool_limits

    torch_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(limits=1):
            yield
    finally:
        torch.set_num_threads(torch_threads)
