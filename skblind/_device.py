"""Resolution of the ``device`` parameter shared by every torch-backed estimator."""

import torch

__all__ = ["resolve_device"]


def resolve_device(device):
    """Turn a ``device`` parameter into a :class:`torch.device`.

    Parameters
    ----------
    device : {"auto"} or str or torch.device
        ``"auto"`` picks CUDA when :func:`torch.cuda.is_available` is true and the CPU
        otherwise; anything else is handed to :class:`torch.device`.

    Returns
    -------
    torch.device
        The resolved device.

    Raises
    ------
    ValueError
        If ``device`` names CUDA on a machine without a usable CUDA device, or is not a
        device string torch understands.
    """
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device={device!r} is not a torch device: {exc}") from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} asks for CUDA but torch sees no CUDA device here; "
            "use device='auto' or device='cpu'."
        )
    return resolved
