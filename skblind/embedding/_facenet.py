"""facenet-pytorch's InceptionResnetV1, with weights from the torch hub cache or a file."""

import os
import urllib.error
from pathlib import Path

import torch
from PIL import Image

from ..exceptions import FacenetWeightsError
from ._backbones import Backbone

__all__ = ["FACENET_WEIGHTS", "FacenetBackbone", "FacenetWeightsError", "facenet_weights_path"]

_RELEASE = "https://github.com/timesler/facenet-pytorch/releases/download/v2.2.9/"

#: backbone name -> weights file name, as facenet-pytorch names them in its cache.
FACENET_WEIGHTS = {
    "facenet-vggface2": "20180402-114759-vggface2.pt",
    "facenet-casia": "20180408-102900-casia-webface.pt",
}


def _torch_home():
    # The same rule as facenet_pytorch.models.inception_resnet_v1.get_torch_home.
    return Path(
        os.path.expanduser(
            os.getenv("TORCH_HOME", os.path.join(os.getenv("XDG_CACHE_HOME", "~/.cache"), "torch"))
        )
    )


def facenet_weights_path(name, weights=None, download=True):
    """Locate (and if need be download) the weights of a facenet backbone.

    Parameters
    ----------
    name : {"facenet-vggface2", "facenet-casia"}
        The backbone.
    weights : path-like or None
        An explicit state-dict file; ``None`` looks in the cache where facenet-pytorch
        keeps its downloads (``$TORCH_HOME/checkpoints``).
    download : bool
        Whether to try the download when the cache lacks the file.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    FacenetWeightsError
        Naming the missing file, where to put it and where it can be downloaded from.
    """
    if weights is not None:
        path = Path(weights)
        if not path.is_file():
            raise FacenetWeightsError(f"weights={os.fspath(weights)!r}: no such file")
        return path
    filename = FACENET_WEIGHTS[name]
    path = _torch_home() / "checkpoints" / filename
    if path.is_file():
        return path
    url = _RELEASE + filename
    if download:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        try:
            torch.hub.download_url_to_file(url, str(partial), progress=True)
            partial.replace(path)
            return path
        except (urllib.error.URLError, OSError, ValueError) as exc:
            partial.unlink(missing_ok=True)
            reason = f"the download from {url} failed ({exc})"
    else:
        reason = "downloading is switched off"
    raise FacenetWeightsError(
        f"The {name} weights {filename!r} are not in {path.parent} and {reason}. "
        f"Fetch {url} on a machine with internet access and put it at {path} "
        f"(or set TORCH_HOME), or give the file: skblind embed --weights /path/to/{filename}, "
        f"FaceEmbedder(weights='/path/to/{filename}') in Python."
    )


def _fold_batch_norms(model):
    """Fold each ``BasicConv2d``'s batch normalisation into its convolution (eval mode)."""
    from torch.nn.utils.fusion import fuse_conv_bn_eval

    for module in model.modules():
        if isinstance(getattr(module, "bn", None), torch.nn.BatchNorm2d):
            module.conv = fuse_conv_bn_eval(module.conv, module.bn)
            module.bn = torch.nn.Identity()
    return model


class FacenetBackbone(Backbone):
    """InceptionResnetV1 (FaceNet) from facenet-pytorch, on 160x160 box crops.

    The crop is facenet-pytorch's own ``extract_face`` (box, no margin, bilinear resize)
    followed by ``fixed_image_standardization``, as its ``MTCNN`` does. ``layer="embedding"``
    is the L2-normalised 512-d output, ``layer="pooled"`` the 1792-d output of the
    global average pooling that precedes the bottleneck.

    For inference each convolution absorbs the batch normalisation that follows it and
    the network runs in the channels-last memory layout: the same function (outputs
    within 1e-7 of facenet-pytorch's module), about 1.3x faster on a CPU
    (``benchmarks/bench_embedding.py``). ``precision="float16"`` or ``"bfloat16"`` runs
    the network in half precision (a GPU's tensor cores; bfloat16 on a CPU) and returns
    float32 features; ``tests/embedding/test_facenet.py`` states how far they may move.
    """

    layers = {"embedding": 512, "pooled": 1792}
    default_detector = "mtcnn"
    precisions = ("float32", "float16", "bfloat16")

    def __init__(self, name, weights, device, precision="float32"):
        from facenet_pytorch import InceptionResnetV1

        state = torch.load(
            facenet_weights_path(name, weights), map_location="cpu", weights_only=True
        )
        num_classes = state["logits.weight"].shape[0] if "logits.weight" in state else None
        model = InceptionResnetV1(classify=False, num_classes=num_classes)
        if num_classes is not None:
            model.logits = torch.nn.Linear(512, num_classes)
        model.load_state_dict(state)
        self._device = torch.device(device)
        self._dtype = getattr(torch, precision)
        self._model = _fold_batch_norms(model.eval()).to(
            self._device, self._dtype, memory_format=torch.channels_last
        )
        self._pooled = None
        self._model.avgpool_1a.register_forward_hook(self._keep_pooled)

    def _keep_pooled(self, module, inputs, output):
        self._pooled = output.flatten(1)

    def crop(self, rgb, detection):
        from facenet_pytorch.models.utils.detect_face import extract_face

        image = Image.fromarray(rgb)
        box = detection.box if detection is not None else [0, 0, image.width, image.height]
        return extract_face(image, box, image_size=160, margin=0)

    def embed(self, crops):
        from facenet_pytorch import fixed_image_standardization

        batch = fixed_image_standardization(torch.stack(list(crops))).to(
            self._device, self._dtype, memory_format=torch.channels_last
        )
        with torch.inference_mode():
            out = self._model(batch)
        return {
            "embedding": out.float().cpu().numpy(),
            "pooled": self._pooled.float().cpu().numpy(),
        }
