#!/usr/bin/env python3
"""Attach class labels to a fixture model the way TensorFlow Lite Support does (TFLite
Metadata: a "TFLITE_METADATA" buffer holding a metadata_schema FlatBuffer whose output
tensor names an associated TENSOR_AXIS_LABELS file, packed into a ZIP archive appended to
the model), so sersim's importer can be tested on real metadata.

Needs tflite-support, which pins its own dependencies; use a separate environment:

    python3 -m venv /tmp/tfls && /tmp/tfls/bin/pip install tflite-support==0.4.4
    /tmp/tfls/bin/python scripts/models/make_labels_fixture.py

Reads  Tests/QuantModelTests/Fixtures/io/lstm_tiny.tflite (made by make_io_fixtures.py)
Writes Tests/QuantModelTests/Fixtures/io/lstm_tiny_labels.tflite and .labels.json (the
labels as tflite-support's MetadataDisplayer reads them back, plus versions).
"""
import json
import pathlib
import platform
import shutil
import tempfile

import flatbuffers
from tflite_support import metadata, metadata_schema_py_generated as schema

ROOT = pathlib.Path(__file__).resolve().parents[2]
IO = ROOT / "Tests" / "QuantModelTests" / "Fixtures" / "io"
LABELS = ["pleasant", "unpleasant"]


def main():
    src = IO / "lstm_tiny.tflite"
    dst = IO / "lstm_tiny_labels.tflite"
    with tempfile.TemporaryDirectory() as tmp:
        labels_path = pathlib.Path(tmp) / "labels.txt"
        labels_path.write_text("\n".join(LABELS) + "\n")
        model_path = pathlib.Path(tmp) / "model.tflite"
        shutil.copy(src, model_path)

        inp = schema.TensorMetadataT()
        inp.name = "mfcc"
        out = schema.TensorMetadataT()
        out.name = "probabilities"
        labels_file = schema.AssociatedFileT()
        labels_file.name = labels_path.name
        labels_file.description = "Class labels"
        labels_file.type = schema.AssociatedFileType.TENSOR_AXIS_LABELS
        out.associatedFiles = [labels_file]
        subgraph = schema.SubGraphMetadataT()
        subgraph.inputTensorMetadata = [inp]
        subgraph.outputTensorMetadata = [out]
        model_meta = schema.ModelMetadataT()
        model_meta.name = "lstm_tiny with labels"
        model_meta.subgraphMetadata = [subgraph]

        b = flatbuffers.Builder(0)
        b.Finish(model_meta.Pack(b), metadata.MetadataPopulator.METADATA_FILE_IDENTIFIER)
        populator = metadata.MetadataPopulator.with_model_file(str(model_path))
        populator.load_metadata_buffer(b.Output())
        populator.load_associated_files([str(labels_path)])
        populator.populate()
        shutil.copy(model_path, dst)

    displayer = metadata.MetadataDisplayer.with_model_file(str(dst))
    packed = displayer.get_packed_associated_file_list()
    read_back = displayer.get_associated_file_buffer("labels.txt").decode().split("\n")
    info = {
        "generator": "scripts/models/make_labels_fixture.py",
        "tflite_support": "0.4.4",
        "flatbuffers": getattr(flatbuffers, "__version__", "unknown"),
        "python": platform.python_version(),
        "source": src.name,
        "packed_files": packed,
        "labels": [l for l in read_back if l],
    }
    (IO / "lstm_tiny_labels.labels.json").write_text(json.dumps(info, indent=1) + "\n")
    print(f"wrote {dst} with labels {info['labels']}")


if __name__ == "__main__":
    main()
