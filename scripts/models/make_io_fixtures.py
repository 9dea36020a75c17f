#!/usr/bin/env python3
"""Build the small .tflite models that test sersim's TFLite importer, .q8 round trip and
arena planner, and describe each one with TensorFlow's own FlatBuffers reader.

Run by hand (not by `swift test`) from the repository root:

    python3 scripts/models/make_io_fixtures.py

It writes Tests/QuantModelTests/Fixtures/io/:
  <name>.tflite   converted by TensorFlow's TFLiteConverter (full-integer post-training
                  quantization, seeded representative dataset)
  <name>.json     what TensorFlow's reader (tensorflow.lite.tools.flatbuffer_utils, the
                  generated Python schema) sees in that file, plus the tensor-arena head
                  size reported by the tflite-micro PyPI interpreter (RecordingMicroAllocator)
  PROVENANCE.json generator, versions, seeds, command

LSTMs are built with tf_keras (Keras 2): TF_USE_LEGACY_KERAS=1 must be set before
TensorFlow is imported, otherwise Keras 3's LSTM converts to a WHILE loop instead of the
fused UNIDIRECTIONAL_SEQUENCE_LSTM operator.
"""
import os

os.environ["TF_USE_LEGACY_KERAS"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import contextlib
import json
import pathlib
import platform
import re
import sys
import tempfile
import zlib

import numpy as np
import tensorflow as tf
import tf_keras as keras
import tflite_micro
from tensorflow.lite.tools import flatbuffer_utils
from tflite_micro import runtime as tflm_runtime

SEED = 20240611
ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "Tests" / "QuantModelTests" / "Fixtures" / "io"

# The generated schema module, reached through flatbuffer_utils (TensorFlow's lazy
# loader hides tensorflow.lite.python from a plain import).
schema = flatbuffer_utils.schema_fb

OP_NAMES = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
TYPE_NAMES = {v: k for k, v in vars(schema.TensorType).items() if not k.startswith("_")}
OPTION_NAMES = {v: k for k, v in vars(schema.BuiltinOptions).items() if not k.startswith("_")}
ACT_NAMES = {v: k for k, v in vars(schema.ActivationFunctionType).items() if not k.startswith("_")}


def representative(shape, seed, count=32):
    rng = np.random.default_rng(seed)

    def gen():
        for _ in range(count):
            yield [rng.uniform(-1.5, 1.5, size=shape).astype(np.float32)]

    return gen


def convert(model, input_shape, seed, float_io=False, per_tensor_dense=False):
    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = representative(input_shape, seed)
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    if not float_io:
        conv.inference_input_type = tf.int8
        conv.inference_output_type = tf.int8
    if per_tensor_dense:
        conv._experimental_disable_per_channel_quantization_for_dense_layers = True
    return conv.convert()


def build_models():
    keras.utils.set_random_seed(SEED)
    models = {}

    # A tiny LSTM classifier: LSTM (fused op with 24 inputs, 5 intermediates, 2 variable
    # tensors), STRIDED_SLICE (last time step), FULLY_CONNECTED per-channel, SOFTMAX.
    m = keras.Sequential([
        keras.layers.Input((5, 3), batch_size=1),
        keras.layers.LSTM(4),
        keras.layers.Dense(2, activation="softmax"),
    ])
    models["lstm_tiny"] = convert(m, (1, 5, 3), SEED + 1)

    # Two stacked LSTMs, the first returning sequences, then a Dense applied per step.
    inp = keras.layers.Input((4, 2), batch_size=1)
    x = keras.layers.LSTM(3, return_sequences=True)(inp)
    x = keras.layers.LSTM(2, return_sequences=True)(x)
    x = keras.layers.Dense(3)(x)
    models["lstm_stacked"] = convert(keras.Model(inp, x), (1, 4, 2), SEED + 2)

    # A time-major LSTM: the Keras batch dimension (4) is the time axis.
    inp = keras.layers.Input((1, 2), batch_size=4)
    x = keras.layers.LSTM(3, time_major=True, return_sequences=True)(inp)
    models["lstm_time_major"] = convert(keras.Model(inp, x), (4, 1, 2), SEED + 6)

    # FC only, per-tensor weights, float input and output: QUANTIZE and DEQUANTIZE at the
    # ends, fused RELU and RELU6.
    inp = keras.layers.Input((10,), batch_size=1)
    x = keras.layers.Dense(8, activation="relu")(inp)
    x = keras.layers.Dense(6, activation="relu6")(x)
    x = keras.layers.Dense(4)(x)
    models["fc_float_io"] = convert(keras.Model(inp, x), (1, 10), SEED + 3, float_io=True,
                                    per_tensor_dense=True)

    # Elementwise operators: TANH, LOGISTIC, RELU, ADD, MUL, RESHAPE.
    inp = keras.layers.Input((8,), batch_size=1)
    h = keras.layers.Dense(8)(inp)
    a = keras.layers.Activation("tanh")(h)
    b = keras.layers.Activation("sigmoid")(h)
    c = keras.layers.ReLU()(h)
    s = keras.layers.Add()([a, b])
    p = keras.layers.Multiply()([s, c])
    r = keras.layers.Reshape((2, 4))(p)
    out = keras.layers.Dense(3, activation="softmax")(r)
    models["elementwise"] = convert(keras.Model(inp, out), (1, 8), SEED + 4)

    # Something sersim does not support (CONV_2D), for the error path.
    inp = keras.layers.Input((6, 6, 1), batch_size=1)
    x = keras.layers.Conv2D(2, 3)(inp)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(2)(x)
    models["conv_unsupported"] = convert(keras.Model(inp, x), (1, 6, 6, 1), SEED + 5)

    # Float16 weights (TFLite's float16 post-training quantization): FLOAT16 tensors,
    # a type sersim does not support.
    inp = keras.layers.Input((4,), batch_size=1)
    x = keras.layers.Dense(3)(inp)
    conv = tf.lite.TFLiteConverter.from_keras_model(keras.Model(inp, x))
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.target_spec.supported_types = [tf.float16]
    models["float16_unsupported"] = conv.convert()
    return models


def crafted_shared_name_bomb():
    """A structurally valid TFLite FlatBuffer whose 20,000 tensors all point at ONE tensor
    table with a 200 KB name: FlatBuffers allow such sharing, and a naive reader expands it
    to 4 GB of strings. Built with the flatbuffers Python library and TensorFlow's
    generated schema module."""
    import flatbuffers
    b = flatbuffers.Builder(1 << 20)
    name = b.CreateString("n" * 200_000)
    schema.TensorStartShapeVector(b, 1)
    b.PrependInt32(1)
    shape = b.EndVector()
    schema.TensorStart(b)
    schema.TensorAddShape(b, shape)
    schema.TensorAddType(b, schema.TensorType.INT8)
    schema.TensorAddName(b, name)
    tensor = schema.TensorEnd(b)
    count = 20_000
    schema.SubGraphStartTensorsVector(b, count)
    for _ in range(count):
        b.PrependUOffsetTRelative(tensor)
    tensors = b.EndVector()
    schema.SubGraphStart(b)
    schema.SubGraphAddTensors(b, tensors)
    subgraph = schema.SubGraphEnd(b)
    schema.ModelStartSubgraphsVector(b, 1)
    b.PrependUOffsetTRelative(subgraph)
    subgraphs = b.EndVector()
    schema.BufferStart(b)
    empty = schema.BufferEnd(b)
    schema.ModelStartBuffersVector(b, 1)
    b.PrependUOffsetTRelative(empty)
    buffers = b.EndVector()
    schema.ModelStart(b)
    schema.ModelAddVersion(b, 3)
    schema.ModelAddSubgraphs(b, subgraphs)
    schema.ModelAddBuffers(b, buffers)
    root = schema.ModelEnd(b)
    b.Finish(root, file_identifier=b"TFL3")
    return bytes(b.Output())


def options_dict(op):
    if op.builtinOptions is None:
        return None
    out = {}
    for k, v in vars(op.builtinOptions).items():
        if isinstance(v, np.ndarray):
            v = v.tolist()
        elif isinstance(v, (np.integer,)):
            v = int(v)
        elif isinstance(v, (np.floating, float)):
            v = float(v)
        elif isinstance(v, (np.bool_, bool)):
            v = bool(v)
        out[k] = v
    return out


def describe(path):
    """What TensorFlow's generated FlatBuffers reader sees in the file."""
    mt = flatbuffer_utils.read_model(str(path))
    sg = mt.subgraphs[0]
    codes = []
    for oc in mt.operatorCodes:
        code = max(int(oc.builtinCode), int(oc.deprecatedBuiltinCode))
        codes.append({"builtin": OP_NAMES.get(code, str(code)), "code": code,
                      "version": int(oc.version)})
    ops = []
    for i, op in enumerate(sg.operators):
        oc = codes[op.opcodeIndex]
        ops.append({
            "index": i,
            "builtin": oc["builtin"],
            "inputs": [int(x) for x in (op.inputs if op.inputs is not None else [])],
            "outputs": [int(x) for x in (op.outputs if op.outputs is not None else [])],
            "intermediates": [int(x) for x in (op.intermediates if op.intermediates is not None else [])],
            "options_type": OPTION_NAMES.get(op.builtinOptionsType, str(op.builtinOptionsType)),
            "options": options_dict(op),
        })
    tensors = []
    for i, t in enumerate(sg.tensors):
        buf = mt.buffers[t.buffer] if t.buffer < len(mt.buffers) else None
        data = bytes(buf.data.tobytes()) if buf is not None and buf.data is not None else b""
        q = t.quantization
        quant = None
        if q is not None and q.scale is not None and len(q.scale) > 0:
            quant = {
                "scales": [float(s) for s in q.scale],
                "zero_points": [int(z) for z in (q.zeroPoint if q.zeroPoint is not None else [])],
                "dimension": int(q.quantizedDimension),
            }
        tensors.append({
            "index": i,
            "name": t.name.decode() if isinstance(t.name, bytes) else t.name,
            "shape": [int(d) for d in (t.shape if t.shape is not None else [])],
            "type": TYPE_NAMES[t.type],
            "is_variable": bool(t.isVariable),
            "buffer": int(t.buffer),
            "data_length": len(data),
            "data_crc32": zlib.crc32(data),
            "quantization": quant,
        })
    sigs = []
    for sd in (mt.signatureDefs or []):
        sigs.append({
            "key": sd.signatureKey.decode(),
            "inputs": [{"name": x.name.decode(), "tensor": int(x.tensorIndex)} for x in sd.inputs],
            "outputs": [{"name": x.name.decode(), "tensor": int(x.tensorIndex)} for x in sd.outputs],
        })
    return {
        "schema_version": int(mt.version),
        "description": mt.description.decode() if mt.description else "",
        "operator_codes": codes,
        "operators": ops,
        "tensors": tensors,
        "inputs": [int(x) for x in sg.inputs],
        "outputs": [int(x) for x in sg.outputs],
        "signatures": sigs,
        "buffer_count": len(mt.buffers),
    }


@contextlib.contextmanager
def captured_output():
    """Capture what C++ code writes to file descriptors 1 and 2 (MicroPrintf)."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = (os.dup(1), os.dup(2))
    with tempfile.TemporaryFile(mode="w+b") as tmp:
        os.dup2(tmp.fileno(), 1)
        os.dup2(tmp.fileno(), 2)
        box = {}
        try:
            yield box
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
            tmp.seek(0)
            box["text"] = tmp.read().decode(errors="replace")


def tflm_arena(path):
    """Tensor-arena usage that TFLM's RecordingMicroAllocator reports for the model."""
    with captured_output() as box:
        interp = tflm_runtime.Interpreter.from_file(str(path))
        interp.print_allocations()
    text = box["text"]
    head = re.search(r"Arena allocation head (\d+) bytes", text)
    tail = re.search(r"Arena allocation tail (\d+) bytes", text)
    if head is None:
        raise RuntimeError(f"no arena report for {path}:\n{text}")
    return {"head_bytes": int(head.group(1)), "tail_bytes": int(tail.group(1)),
            "report": [line for line in text.splitlines() if line.strip()]}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    models = build_models()
    names = []
    for name, blob in models.items():
        path = OUT / f"{name}.tflite"
        path.write_bytes(blob)
        info = describe(path)
        if not name.endswith("_unsupported"):
            info["tflm_arena"] = tflm_arena(path)
        info["file_length"] = len(blob)
        info["file_crc32"] = zlib.crc32(blob)
        (OUT / f"{name}.json").write_text(json.dumps(info, indent=1) + "\n")
        names.append(name)
    bomb = crafted_shared_name_bomb()
    (OUT / "crafted_shared_name_bomb.tflite").write_bytes(bomb)
    names.append("crafted_shared_name_bomb")
    provenance = {
        "generator": "scripts/models/make_io_fixtures.py",
        "command": "python3 scripts/models/make_io_fixtures.py",
        "seed": SEED,
        "tensorflow": tf.__version__,
        "tf_keras": keras.__version__,
        "tflite_micro": getattr(tflite_micro, "__version__", "unknown"),
        "numpy": np.__version__,
        "python": platform.python_version(),
        "models": names,
        "note": "Each <name>.json is TensorFlow's own reading of <name>.tflite "
                "(tensorflow.lite.tools.flatbuffer_utils) plus the tflite-micro "
                "RecordingMicroAllocator arena report; sersim's importer and planner are "
                "tested against them.",
    }
    (OUT / "PROVENANCE.json").write_text(json.dumps(provenance, indent=1) + "\n")
    print(f"wrote {len(names)} models to {OUT}")


if __name__ == "__main__":
    main()
