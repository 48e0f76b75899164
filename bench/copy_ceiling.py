"""The physical ceiling: PostgreSQL COPY of the same message rows into a table with the same
columns and indexes as the message table, on the same database. Median of three loads."""

from __future__ import annotations

import statistics
import time

import psycopg

from bench.config import Settings, Sizes
from bench.procs import log

SOURCE_SQL = ("COPY (SELECT {columns} FROM conversations_message WHERE provider_message_id NOT LIKE 'bench-%' "
              "ORDER BY id DESC LIMIT {n}) TO STDOUT")
SYNTHETIC_SQL = ("COPY (SELECT {columns} FROM conversations_message ORDER BY id DESC LIMIT {n}) TO STDOUT")
# Generated columns (the stored search vector) are computed by the COPY, as by Heedful's inserts.
COLUMNS_SQL = ("SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position) "
               "FROM information_schema.columns WHERE table_name = 'conversations_message' AND is_generated = 'NEVER'")


def _rows(conn, n: int, columns: str) -> tuple[bytes, int, str]:
    """The message rows Heedful stored during ingest (else the newest rows of any origin)."""
    for sql, origin in ((SOURCE_SQL, "messages stored by the ingest run"), (SYNTHETIC_SQL, "newest message rows")):
        chunks = []
        with conn.cursor().copy(sql.format(n=int(n), columns=columns)) as copy:
            for chunk in copy:
                chunks.append(bytes(chunk))
        data = b"".join(chunks)
        count = data.count(b"\n")
        if count >= min(n, 1000):
            return data, count, origin
    raise RuntimeError("no message rows to copy: run the ingest or desk phase first")


def _load(conn, data: bytes, columns: str) -> float:
    conn.execute("TRUNCATE bench_copy_message")
    conn.commit()
    started = time.perf_counter()
    with conn.cursor().copy(f"COPY bench_copy_message ({columns}) FROM STDIN") as copy:
        for start in range(0, len(data), 1 << 20):
            copy.write(data[start:start + (1 << 20)])
    conn.commit()
    return time.perf_counter() - started


def run(settings: Settings, sizes: Sizes, results: dict) -> dict:
    heedful_rate = (results.get("ingest") or {}).get("processed_messages_per_s")
    n = (results.get("ingest") or {}).get("max", {}).get("messages") or sizes.max_webhooks
    with psycopg.connect(settings.database_url) as conn:
        columns = conn.execute(COLUMNS_SQL).fetchone()[0]
        data, count, origin = _rows(conn, n, columns)
        conn.execute("DROP TABLE IF EXISTS bench_copy_message")
        conn.execute("CREATE TABLE bench_copy_message (LIKE conversations_message INCLUDING ALL)")
        indexes = conn.execute("SELECT count(*) FROM pg_indexes WHERE tablename = 'bench_copy_message'").fetchone()[0]
        conn.commit()
        try:
            seconds = [_load(conn, data, columns) for _ in range(3)]
        finally:
            conn.execute("DROP TABLE IF EXISTS bench_copy_message")
            conn.commit()
    rate = count / statistics.median(seconds)
    result = {"rows": count, "rows_from": origin, "indexes": indexes,
              "seconds": [round(s, 3) for s in seconds], "copy_rows_per_s": round(rate, 1),
              "heedful_processed_messages_per_s": heedful_rate,
              "ratio_copy_to_heedful": round(rate / heedful_rate, 1) if heedful_rate else None}
    log(f"copy: {count} rows at {rate:,.0f} rows/s ({indexes} indexes); ratio {result['ratio_copy_to_heedful']}")
    return result
