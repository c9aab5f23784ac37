"""`contactpunt run` loads only the model `make train` sealed."""

import pytest

from bot.model_seal import ModelNotSealed, seal, verify


def test_a_sealed_model_passes_and_a_changed_or_unsealed_one_is_refused(tmp_path):
    model = tmp_path / "20261124-model.tar.gz"
    model.write_bytes(b"trained bytes")
    with pytest.raises(ModelNotSealed, match="no recorded hash"):
        verify(model)
    seal(model)
    verify(model)
    model.write_bytes(b"other bytes")
    with pytest.raises(ModelNotSealed, match="changed after training"):
        verify(model)
