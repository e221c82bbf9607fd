"""Writes the seed inputs of the fuzz tests (docs/fuzzing.md) from the shipped models.

    python3 scripts/make_fuzz_seeds.py      # from the repository root; standard library only

Every fuzz test class reads the files of its <Class>Inputs/ resource folder as seeds (in a plain
build they are its regression inputs). Each gets every models/*.onnx as it is, and for each model
but the 55 KB encoder: its first half (a truncated download), and a copy with 8 bits flipped at
positions drawn with a fixed seed (a damaged file). The output is the same on every run.
"""
import pathlib
import random

ROOT = pathlib.Path(__file__).resolve().parent.parent
TARGETS = [
    ROOT / "backend-tensorrt/src/test/resources/org/infer4j/tensorrt/internal/onnx/OnnxBytesFuzzTestInputs",
    ROOT / "backend-ort/src/test/resources/org/infer4j/ort/OrtCpuModelLoadFuzzTestInputs",
]
FULL_ONLY = {"encoder_tiny"}
FLIPS = 8


def seeds():
    for model in sorted((ROOT / "models").glob("*.onnx")):
        data = model.read_bytes()
        yield model.name, data
        if model.stem in FULL_ONLY:
            continue
        yield model.stem + ".truncated.onnx", data[: len(data) // 2]
        flipped = bytearray(data)
        rng = random.Random(model.stem)
        for _ in range(FLIPS):
            at = rng.randrange(len(flipped))
            flipped[at] ^= 1 << rng.randrange(8)
        yield model.stem + ".bitflips.onnx", bytes(flipped)


def main():
    for target in TARGETS:
        target.mkdir(parents=True, exist_ok=True)
        for name, data in seeds():
            (target / name).write_bytes(data)
            print(target.relative_to(ROOT) / name, len(data), "bytes")


if __name__ == "__main__":
    main()
