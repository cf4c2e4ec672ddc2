"""Writes eval/src/test/resources/datasets/tiny*.parquet, the Parquet fixtures for DatasetReaderTest.

Run with pyarrow installed (python3 make_parquet_fixture.py). Snappy compression and a list column mirror
what Hugging Face's Parquet exports contain. The same rows are written to tiny.jsonl so the test can check
that both formats read to the same records.
"""
import json
import pathlib

import pyarrow as pa
import pyarrow.parquet as pq

OUT = pathlib.Path(__file__).resolve().parents[1] / "resources" / "datasets"

rows = [
    {"id": 7, "question": "What is 2 + 3?", "answer": "5", "options": ["A)4", "B)5", "C)6"], "correct": "B", "level": 1.5},
    {"id": 8, "question": "Solve $x^2 = 9$ for $x > 0$.", "answer": "3", "options": ["A)3", "B)-3", "C)9"], "correct": "A", "level": 2.0},
    {"id": 9, "question": "Unicode: \u221a2 \u2248 1.414 \u2013 ok?", "answer": "\\frac{1}{2}", "options": ["A)yes", "B)no", "C)maybe"], "correct": "C", "level": None},
]

table = pa.Table.from_pylist(rows, schema=pa.schema([
    ("id", pa.int64()),
    ("question", pa.string()),
    ("answer", pa.string()),
    ("options", pa.list_(pa.string())),
    ("correct", pa.string()),
    ("level", pa.float64()),
]))
OUT.mkdir(parents=True, exist_ok=True)
pq.write_table(table, OUT / "tiny.parquet", compression="snappy")
# gzip is decoded by the JDK; zstd needs zstd-jni, which srm4j does not ship: the reader must say so.
pq.write_table(table, OUT / "tiny_gzip.parquet", compression="gzip")
pq.write_table(table, OUT / "tiny_zstd.parquet", compression="zstd")
with open(OUT / "tiny.jsonl", "w", encoding="utf-8") as f:
    for row in rows:
        f.write(json.dumps(row, ensure_ascii=False) + "\n")
