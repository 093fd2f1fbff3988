"""Export and import of an Airflow 2.x metadata database (Patterns.Cdk MwaaScheduler).

Pure logic: no Airflow import. The DAGs pcdk_export and pcdk_import pass in the metadata database engine
(SQLAlchemy 1.4), the environment's Fernet (anything with encrypt(bytes) and decrypt(bytes), such as
airflow.models.crypto.get_fernet() or cryptography's Fernet/MultiFernet) and a Storage (S3Storage on MWAA,
LocalDirectoryStorage in the tests).

Backup layout, relative to the backup prefix (the Patterns.Cdk verifier reads the same files):
  metadata/<table>.jsonl     one JSON object per row; bytes as {"$hex": "..."}, datetimes ISO-8601 UTC
  secrets/connection.jsonl   connections, passwords and extras decrypted (the object is SSE-KMS encrypted)
  secrets/variable.jsonl     variables, values decrypted
  manifest.json              written last: per file rows, bytes, SHA-256, columns; Airflow version, DAG count

Tables are reflected at run time, so the same code serves Airflow 2.7 to 2.11: export writes every column the
source has, import writes the columns the file and the target share. Secret values are never logged and never put
into an exception message.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import io
import json
import logging
import os
import re
import shutil
import tempfile
import time
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.sql import sqltypes

FORMAT = "patterns-cdk-mwaa-backup/1"
MANIFEST = "manifest.json"
OWN_DAG_PREFIX = "pcdk_"

# Tables a complete backup holds (the Patterns.Cdk verifier requires the same ones), in file order.
METADATA_TABLES = ("slot_pool", "dag_state", "dag_run", "task_instance", "task_fail", "xcom", "log")
SECRET_TABLES = ("connection", "variable")
NON_EMPTY_TABLES = ("dag_state", "slot_pool")
# Rows of these tables are matched by a natural key in the target and replaced (a fresh environment already has
# default_pool and may have default connections); every other table must be empty of the backup's keys.
UPSERT_KEYS = {"slot_pool": "pool", "connection": "conn_id", "variable": "key"}

FINISHED_RUN_STATES = ("success", "failed")
UNFINISHED_TI_STATES = ("running", "queued", "scheduled", "deferred", "up_for_retry", "up_for_reschedule",
                        "restarting")
SUPPORTED_MIN = (2, 7)
_MAX_IN = 500

log = logging.getLogger(__name__)


class BackupError(Exception):
    """A backup or restore that cannot go on; the message never holds secret values."""


class UnsupportedAirflowVersion(BackupError):
    pass


class TargetNotEmpty(BackupError):
    pass


class BackupInvalid(BackupError):
    def __init__(self, problems: Sequence[str]):
        self.problems = list(problems)
        super().__init__("backup does not match its manifest: " + "; ".join(self.problems))


# ---------------------------------------------------------------------------------------------------------------
# Configuration and versions

def check_airflow_version(version: str) -> Tuple[int, int]:
    """(major, minor) when the DAGs can export/import this Airflow version; UnsupportedAirflowVersion otherwise."""
    m = re.match(r"^(\d+)\.(\d+)", str(version or ""))
    if not m:
        raise UnsupportedAirflowVersion(f"Airflow version {version!r} cannot be read")
    major, minor = int(m.group(1)), int(m.group(2))
    if major >= 3:
        raise UnsupportedAirflowVersion(
            f"Airflow {version}: tasks cannot reach the metadata database in Airflow 3, so the metadata cannot be "
            "exported or imported by a DAG")
    if (major, minor) < SUPPORTED_MIN:
        raise UnsupportedAirflowVersion(f"Airflow {version}: the bundled DAGs support Airflow 2.7 to 2.11")
    return major, minor


_KMS_ARN = re.compile(r"^arn:aws[a-zA-Z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)/[A-Za-z0-9/_+=,.@:-]+$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


def _conf_prefix(conf: Mapping[str, Any], problems: List[str]) -> str:
    prefix = conf.get("prefix")
    if not isinstance(prefix, str) or not prefix.endswith("/") or prefix.startswith("/") or ".." in prefix.split("/"):
        problems.append("prefix must be a relative S3 prefix ending with '/' (e.g. backups/<env>/<id>/)")
        return ""
    return prefix


def _conf_bucket(conf: Mapping[str, Any], problems: List[str]) -> str:
    bucket = conf.get("bucket")
    if not isinstance(bucket, str) or not _BUCKET.match(bucket):
        problems.append("bucket must be an S3 bucket name")
        return ""
    return bucket


def parse_export_conf(conf: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
    """dag_run.conf of pcdk_export: {bucket, prefix, kmsKeyArn, exportConnections, exportVariables}."""
    conf = conf or {}
    problems: List[str] = []
    bucket = _conf_bucket(conf, problems)
    prefix = _conf_prefix(conf, problems)
    kms = conf.get("kmsKeyArn")
    if not isinstance(kms, str) or not _KMS_ARN.match(kms):
        problems.append("kmsKeyArn must be a KMS key ARN")
    flags = {}
    for name in ("exportConnections", "exportVariables"):
        value = conf.get(name, True)
        if not isinstance(value, bool):
            problems.append(f"{name} must be true or false")
        flags[name] = value
    if problems:
        raise BackupError("pcdk_export conf: " + "; ".join(problems))
    return {"bucket": bucket, "prefix": prefix, "kmsKeyArn": kms, **flags}


def parse_import_conf(conf: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
    """dag_run.conf of pcdk_import: {bucket, prefix}."""
    conf = conf or {}
    problems: List[str] = []
    bucket = _conf_bucket(conf, problems)
    prefix = _conf_prefix(conf, problems)
    if problems:
        raise BackupError("pcdk_import conf: " + "; ".join(problems))
    return {"bucket": bucket, "prefix": prefix}


# ---------------------------------------------------------------------------------------------------------------
# Storage: bytes and files by path relative to the backup prefix

class Storage:
    """put/get by relative path. Subclasses implement the file methods; bytes go through them by default."""

    def put_file(self, path: str, local_path: str) -> None:
        raise NotImplementedError

    def get_file(self, path: str, local_path: str) -> None:
        """Raises FileNotFoundError when the object does not exist."""
        raise NotImplementedError

    def put_bytes(self, path: str, data: bytes) -> None:
        raise NotImplementedError

    def get_bytes(self, path: str) -> bytes:
        """Raises FileNotFoundError when the object does not exist."""
        raise NotImplementedError


def _check_relative(path: str) -> str:
    parts = path.split("/")
    if not path or path.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"not a relative backup path: {path!r}")
    return path


class LocalDirectoryStorage(Storage):
    def __init__(self, root: str):
        self.root = root

    def _full(self, path: str) -> str:
        return os.path.join(self.root, *_check_relative(path).split("/"))

    def put_file(self, path: str, local_path: str) -> None:
        full = self._full(path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        shutil.copyfile(local_path, full)

    def get_file(self, path: str, local_path: str) -> None:
        shutil.copyfile(self._full(path), local_path)

    def put_bytes(self, path: str, data: bytes) -> None:
        full = self._full(path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as f:
            f.write(data)

    def get_bytes(self, path: str) -> bytes:
        with open(self._full(path), "rb") as f:
            return f.read()


class S3Storage(Storage):
    """A boto3 S3 client under s3://bucket/prefix; every object written with SSE-KMS under kms_key_arn."""

    def __init__(self, client: Any, bucket: str, prefix: str, kms_key_arn: Optional[str] = None):
        self.client, self.bucket, self.prefix, self.kms_key_arn = client, bucket, prefix, kms_key_arn

    def _key(self, path: str) -> str:
        return self.prefix + _check_relative(path)

    def _sse(self) -> Dict[str, str]:
        if not self.kms_key_arn:
            raise BackupError("writing a backup needs kmsKeyArn (objects are written with SSE-KMS only)")
        return {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": self.kms_key_arn}

    @staticmethod
    def _not_found(error: Exception) -> bool:
        code = str(getattr(error, "response", {}).get("Error", {}).get("Code", ""))
        return code in ("NoSuchKey", "404", "NotFound")

    def put_file(self, path: str, local_path: str) -> None:
        self.client.upload_file(local_path, self.bucket, self._key(path), ExtraArgs=self._sse())

    def get_file(self, path: str, local_path: str) -> None:
        try:
            self.client.download_file(self.bucket, self._key(path), local_path)
        except Exception as e:  # botocore.exceptions.ClientError, without importing botocore
            if self._not_found(e):
                raise FileNotFoundError(path) from None
            raise

    def put_bytes(self, path: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(path), Body=data, **self._sse())

    def get_bytes(self, path: str) -> bytes:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(path))["Body"].read()
        except Exception as e:
            if self._not_found(e):
                raise FileNotFoundError(path) from None
            raise


# ---------------------------------------------------------------------------------------------------------------
# JSONL values

def _utc_iso(value: _dt.datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(_dt.timezone.utc).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds") + "Z"


def encode_value(value: Any) -> Any:
    """A database value as JSON: bytes -> {"$hex"}, datetimes -> ISO-8601 UTC (naive ones are UTC already)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$hex": bytes(value).hex()}
    if isinstance(value, _dt.datetime):
        return _utc_iso(value)
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, (dict, list)):  # JSON columns
        return value
    if hasattr(value, "is_finite"):  # Decimal
        return float(value) if value != value.to_integral_value() else int(value)
    raise TypeError(f"value of type {type(value).__name__} cannot be written to a backup")


def parse_utc(text: str) -> _dt.datetime:
    value = _dt.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=_dt.timezone.utc)
    return value.astimezone(_dt.timezone.utc)


def decode_value(value: Any, column: sa.Column) -> Any:
    """A JSON value back to what the target column takes (driven by the target's reflected type)."""
    if value is None:
        return None
    ctype = column.type
    if isinstance(ctype, sqltypes.LargeBinary):
        if not (isinstance(value, dict) and set(value) == {"$hex"}):
            raise BackupError(f"column {column.table.name}.{column.name}: expected {{\"$hex\": ...}}")
        return bytes.fromhex(value["$hex"])
    if isinstance(ctype, sqltypes.DateTime):
        if not isinstance(value, str):
            raise BackupError(f"column {column.table.name}.{column.name}: expected an ISO-8601 datetime")
        parsed = parse_utc(value)
        return parsed if getattr(ctype, "timezone", False) else parsed.replace(tzinfo=None)
    if isinstance(ctype, sqltypes.Date) and isinstance(value, str):
        return _dt.date.fromisoformat(value)
    if isinstance(ctype, sqltypes.JSON):
        return value
    if isinstance(ctype, sqltypes.Boolean):
        return bool(value)
    if isinstance(value, (dict, list)):  # a JSON value in a text column (type changed between versions)
        return json.dumps(value)
    return value


def _json_line(obj: Mapping[str, Any]) -> bytes:
    return (json.dumps(obj, ensure_ascii=True, allow_nan=False, separators=(",", ":")) + "\n").encode("ascii")


class _FileStats:
    def __init__(self) -> None:
        self.sha = hashlib.sha256()
        self.rows = 0
        self.bytes = 0

    def add(self, line: bytes) -> bytes:
        self.sha.update(line)
        self.rows += 1
        self.bytes += len(line)
        return line

    def entry(self, path: str, table: str, columns: Sequence[str], secret: bool) -> Dict[str, Any]:
        return {"path": path, "table": table, "rows": self.rows, "bytes": self.bytes,
                "sha256": self.sha.hexdigest(), "columns": list(columns), "secret": secret}


# ---------------------------------------------------------------------------------------------------------------
# Database helpers

def _reflect(conn: Any, names: Iterable[str]) -> sa.MetaData:
    wanted = set(names)
    existing = set(sa.inspect(conn).get_table_names())
    missing = sorted(wanted - existing)
    if missing:
        raise BackupError("metadata tables not found: " + ", ".join(missing)
                          + " (is this the Airflow metadata database of a supported version?)")
    md = sa.MetaData()
    md.reflect(bind=conn, only=sorted(wanted))
    for table in md.tables.values():  # keep SQL NULL as NULL in JSON columns (not the JSON literal null)
        for column in table.columns:
            if isinstance(column.type, sqltypes.JSON) and not column.type.none_as_null:
                column.type = _json_none_as_null(column.type)
    return md


def _json_none_as_null(ctype: sqltypes.JSON) -> sqltypes.JSON:
    try:
        replacement = ctype.__class__(none_as_null=True)
    except TypeError:
        replacement = sqltypes.JSON(none_as_null=True)
    if hasattr(ctype, "astext_type") and hasattr(replacement, "astext_type"):
        replacement.astext_type = ctype.astext_type
    return replacement


def _not_own(column: sa.Column) -> Any:
    return sa.not_(column.startswith(OWN_DAG_PREFIX, autoescape=True))


def _chunks(items: Sequence[Any], size: int = _MAX_IN) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _dag_table(conn: Any) -> sa.Table:
    return _reflect(conn, ["dag"]).tables["dag"]


def read_paused_states(engine: Any) -> Dict[str, bool]:
    """{dag_id: is_paused} of every active DAG but ours (pcdk_*)."""
    with engine.begin() as conn:
        dag = _dag_table(conn)
        query = sa.select(dag.c.dag_id, dag.c.is_paused).where(_not_own(dag.c.dag_id))
        if "is_active" in dag.c:
            query = query.where(dag.c.is_active == sa.true())
        return {row.dag_id: bool(row.is_paused) for row in conn.execute(query)}


def set_paused(engine: Any, dag_ids: Sequence[str], paused: bool) -> int:
    """Sets is_paused on the given DAGs (never on ours) in its own committed transaction; returns rows changed."""
    ids = [d for d in dag_ids if not d.startswith(OWN_DAG_PREFIX)]
    changed = 0
    if not ids:
        return 0
    with engine.begin() as conn:
        dag = _dag_table(conn)
        for chunk in _chunks(ids):
            result = conn.execute(sa.update(dag).where(dag.c.dag_id.in_(chunk)).values(is_paused=paused))
            changed += result.rowcount or 0
    return changed


def pause_all(engine: Any, logger: logging.Logger) -> Tuple[Dict[str, bool], List[str]]:
    """Pauses every active, unpaused DAG but ours. Returns (states before, DAG ids this call paused)."""
    states = read_paused_states(engine)
    to_pause = sorted(d for d, paused in states.items() if not paused)
    set_paused(engine, to_pause, True)
    logger.info("paused %d DAG(s) for the copy (%d were paused already)", len(to_pause), len(states) - len(to_pause))
    return states, to_pause


def _restore_after(engine: Any, paused_by_us: Sequence[str], logger: logging.Logger, failed: bool) -> None:
    """Un-pauses what we paused; raises only when nothing else failed (so the first error stays visible)."""
    try:
        set_paused(engine, list(paused_by_us), False)
        logger.info("re-activated the %d DAG(s) paused for the copy", len(paused_by_us))
    except Exception:
        logger.exception("could not re-activate the %d DAG(s) paused for the copy", len(paused_by_us))
        if not failed:
            raise


def _db_error(table: str, error: Exception, secret: bool) -> BackupError:
    """A database error without bound parameters or row contents (Postgres adds 'Failing row contains ...')."""
    orig = getattr(error, "orig", None) or error
    if secret:
        return BackupError(f"table {table}: the database refused the rows ({type(orig).__name__})")
    first_line = str(orig).strip().splitlines()[0] if str(orig).strip() else ""
    return BackupError(f"table {table}: the database refused the rows ({type(orig).__name__}: {first_line[:300]})")


# ---------------------------------------------------------------------------------------------------------------
# Export

def _export_queries(md: sa.MetaData) -> Dict[str, Any]:
    t = md.tables
    dr, ti = t["dag_run"], t["task_instance"]

    def run_exported(dag_id_col: Any, run_id_col: Any) -> Any:
        return sa.exists(sa.select(sa.literal(1)).select_from(dr).where(
            dr.c.dag_id == dag_id_col, dr.c.run_id == run_id_col,
            dr.c.state.in_(FINISHED_RUN_STATES), _not_own(dr.c.dag_id)))

    ti_finished = sa.or_(ti.c.state.is_(None), ti.c.state.notin_(UNFINISHED_TI_STATES))

    def ti_exported(table: sa.Table) -> Any:
        return sa.exists(sa.select(sa.literal(1)).select_from(ti).where(
            ti.c.dag_id == table.c.dag_id, ti.c.task_id == table.c.task_id, ti.c.run_id == table.c.run_id,
            ti.c.map_index == table.c.map_index, ti_finished, run_exported(ti.c.dag_id, ti.c.run_id)))

    def ordered(table: sa.Table, *where: Any) -> Any:
        pk = list(table.primary_key.columns) or list(table.columns)[:1]
        return sa.select(table).where(*where).order_by(*pk)

    return {
        "slot_pool": ordered(t["slot_pool"]),
        "dag_run": ordered(dr, dr.c.state.in_(FINISHED_RUN_STATES), _not_own(dr.c.dag_id)),
        "task_instance": ordered(ti, ti_finished, run_exported(ti.c.dag_id, ti.c.run_id)),
        "task_fail": ordered(t["task_fail"], ti_exported(t["task_fail"])),
        "xcom": ordered(t["xcom"], ti_exported(t["xcom"])),
        "log": ordered(t["log"]),
    }


def _write_rows_to_file(rows: Iterable[Mapping[str, Any]], columns: Sequence[str], local_path: str) -> _FileStats:
    stats = _FileStats()
    with open(local_path, "wb") as f:
        for row in rows:
            f.write(stats.add(_json_line({c: encode_value(row[c]) for c in columns})))
    return stats


def _decrypt(fernet: Any, value: Optional[str], what: str) -> Optional[str]:
    if value is None or value == "":
        return value
    try:
        return fernet.decrypt(value.encode("utf-8")).decode("utf-8")
    except Exception as e:
        raise BackupError(f"{what} cannot be decrypted with this environment's Fernet key ({type(e).__name__})") \
            from None


def _secret_rows(conn: Any, table: sa.Table, fernet: Any) -> Iterable[Dict[str, Any]]:
    """Rows of connection/variable with the secret columns decrypted and their is_*encrypted flags false."""
    pairs = ([("password", "is_encrypted"), ("extra", "is_extra_encrypted")] if table.name == "connection"
             else [("val", "is_encrypted")])
    key = UPSERT_KEYS[table.name]
    for row in conn.execute(sa.select(table).order_by(table.c[key])):
        values = dict(row._mapping)
        for column, flag in pairs:
            if column in values and values.get(flag):
                values[column] = _decrypt(fernet, values[column], f"{table.name} {values[key]!r} ({column})")
            if flag in values:
                values[flag] = False
        yield values


def export_metadata(engine: Any, storage: Storage, fernet: Any, *, airflow_version: str,
                    export_connections: bool = True, export_variables: bool = True,
                    logger: Optional[logging.Logger] = None,
                    now: Optional[Callable[[], _dt.datetime]] = None) -> Dict[str, Any]:
    """Pauses every DAG but ours, writes the backup files and then the manifest, and restores each DAG's paused
    state afterwards, also when the export fails. Returns the manifest."""
    logger = logger or log
    check_airflow_version(airflow_version)
    now = now or (lambda: _dt.datetime.now(_dt.timezone.utc))
    states, paused_by_us = pause_all(engine, logger)
    failed = True
    try:
        manifest = _export(engine, storage, fernet, states, airflow_version, export_connections, export_variables,
                           logger, now)
        failed = False
        return manifest
    finally:
        _restore_after(engine, paused_by_us, logger, failed)


def _export(engine: Any, storage: Storage, fernet: Any, states: Mapping[str, bool], airflow_version: str,
            export_connections: bool, export_variables: bool, logger: logging.Logger,
            now: Callable[[], _dt.datetime]) -> Dict[str, Any]:
    files: List[Dict[str, Any]] = []
    created_at = now()
    with tempfile.TemporaryDirectory(prefix="pcdk-export-") as work, engine.connect() as conn:
        if conn.dialect.name == "postgresql":  # one snapshot for every table: the FKs between the files hold
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            md = _reflect(conn, [t for t in METADATA_TABLES if t != "dag_state"]
                          + [t for t, on in (("connection", export_connections), ("variable", export_variables))
                             if on])
            queries = _export_queries(md)
            for table in METADATA_TABLES:
                path = f"metadata/{table}.jsonl"
                local = os.path.join(work, f"{table}.jsonl")
                if table == "dag_state":
                    columns = ["dag_id", "is_paused"]
                    rows = ({"dag_id": d, "is_paused": states[d]} for d in sorted(states))
                    stats = _write_rows_to_file(rows, columns, local)
                else:
                    columns = [c.name for c in md.tables[table].columns]
                    result = conn.execution_options(stream_results=True, max_row_buffer=1000).execute(queries[table])
                    stats = _write_rows_to_file((r._mapping for r in result), columns, local)
                storage.put_file(path, local)
                os.remove(local)
                files.append(stats.entry(path, table, columns, False))
                logger.info("exported %s: %d rows, %d bytes", table, stats.rows, stats.bytes)
            for table, on in (("connection", export_connections), ("variable", export_variables)):
                if not on:
                    logger.info("%s not exported (turned off)", table)
                    continue
                path = f"secrets/{table}.jsonl"
                columns = [c.name for c in md.tables[table].columns]
                stats = _FileStats()
                # Secrets stay in memory: plaintext never touches the worker's disk.
                data = b"".join(stats.add(_json_line({c: encode_value(r[c]) for c in columns}))
                                for r in _secret_rows(conn, md.tables[table], fernet))
                storage.put_bytes(path, data)
                files.append(stats.entry(path, table, columns, True))
                logger.info("exported %s: %d rows, %d bytes (decrypted; SSE-KMS object)", table, stats.rows,
                            stats.bytes)
    manifest = {"format": FORMAT, "airflowVersion": airflow_version, "createdAt": _utc_iso(created_at)[:19] + "Z",
                "dagCount": len(states), "files": files}
    storage.put_bytes(MANIFEST, json.dumps(manifest, indent=1).encode("utf-8"))
    logger.info("wrote %s: %d files, %d DAGs", MANIFEST, len(files), len(states))
    return manifest


# ---------------------------------------------------------------------------------------------------------------
# Manifest check

_SHA = re.compile(r"^[0-9a-f]{64}$")


def _manifest_shape(manifest: Any) -> List[str]:
    if not isinstance(manifest, dict):
        return ["manifest is not a JSON object"]
    problems = []
    if manifest.get("format") != FORMAT:
        problems.append(f"format is {manifest.get('format')!r}, expected {FORMAT!r}")
    if not isinstance(manifest.get("airflowVersion"), str):
        problems.append("airflowVersion missing")
    if not isinstance(manifest.get("dagCount"), int) or isinstance(manifest.get("dagCount"), bool):
        problems.append("dagCount missing")
    files = manifest.get("files")
    if not isinstance(files, list) or not files:
        return problems + ["files missing"]
    seen_tables, seen_paths = set(), set()
    for i, entry in enumerate(files):
        if not isinstance(entry, dict):
            problems.append(f"files[{i}] is not an object")
            continue
        path, table = entry.get("path"), entry.get("table")
        secret = table in SECRET_TABLES
        expected = f"{'secrets' if secret else 'metadata'}/{table}.jsonl"
        if path != expected:
            problems.append(f"files[{i}]: path {path!r} for table {table!r}, expected {expected!r}")
        if table not in METADATA_TABLES and not secret:
            problems.append(f"files[{i}]: unknown table {table!r}")
        if entry.get("secret") is not secret:
            problems.append(f"files[{i}] ({path}): secret must be {str(secret).lower()}")
        for name in ("rows", "bytes"):
            if not isinstance(entry.get(name), int) or isinstance(entry.get(name), bool) or entry[name] < 0:
                problems.append(f"{path}: {name} missing")
        if not isinstance(entry.get("sha256"), str) or not _SHA.match(entry["sha256"]):
            problems.append(f"{path}: sha256 missing")
        columns = entry.get("columns")
        if not isinstance(columns, list) or not columns or not all(isinstance(c, str) for c in columns) \
                or len(set(columns)) != len(columns):
            problems.append(f"{path}: columns missing")
        if table in seen_tables or path in seen_paths:
            problems.append(f"{path}: listed twice")
        seen_tables.add(table)
        seen_paths.add(path)
    for table in METADATA_TABLES:
        if table not in seen_tables:
            problems.append(f"table {table} missing from the manifest")
    return problems


def _check_content(path: str, entry: Mapping[str, Any], lines: Iterable[bytes]) -> List[str]:
    stats = _FileStats()
    columns = set(entry["columns"])
    bad_line = None
    for number, line in enumerate(lines, start=1):
        stats.add(line)
        if bad_line is None:
            try:
                if not line.endswith(b"\n"):
                    raise ValueError
                row = json.loads(line)
                if not isinstance(row, dict) or set(row) != columns:
                    raise ValueError
            except ValueError:
                bad_line = number
    problems = []
    if stats.bytes != entry["bytes"]:
        problems.append(f"{path}: {stats.bytes} bytes, manifest says {entry['bytes']}")
    if stats.sha.hexdigest() != entry["sha256"]:
        problems.append(f"{path}: SHA-256 differs from the manifest")
    if stats.rows != entry["rows"]:
        problems.append(f"{path}: {stats.rows} rows, manifest says {entry['rows']}")
    if bad_line is not None:
        problems.append(f"{path}: line {bad_line} is not a JSON object with the manifest's columns")
    if entry["table"] in NON_EMPTY_TABLES and stats.rows == 0:
        problems.append(f"{path}: empty (a backup always has rows in {entry['table']})")
    return problems


def read_manifest(storage: Storage) -> Dict[str, Any]:
    try:
        manifest = json.loads(storage.get_bytes(MANIFEST))
    except FileNotFoundError:
        raise BackupInvalid([f"{MANIFEST} not found (the export did not finish)"]) from None
    except ValueError:
        raise BackupInvalid([f"{MANIFEST} is not JSON"]) from None
    return manifest


def check_manifest(storage: Storage, manifest: Optional[Mapping[str, Any]] = None, *,
                   download_dir: Optional[str] = None,
                   secrets_out: Optional[Dict[str, bytes]] = None) -> List[str]:
    """Every problem between the manifest and the stored files (empty list: the backup is whole).

    Checks the manifest's shape, the required tables, and per file: present, size, SHA-256, line count = rows,
    every line a JSON object with exactly the listed columns, dag_state and slot_pool not empty, dagCount.
    With download_dir, metadata files stay there as <table>.jsonl for the import; secret files are never
    written to disk (secrets_out receives their bytes)."""
    if manifest is None:
        try:
            manifest = read_manifest(storage)
        except BackupInvalid as e:
            return e.problems
    problems = _manifest_shape(manifest)
    if problems:
        return problems
    for entry in manifest["files"]:
        path = entry["path"]
        try:
            if entry["secret"]:
                data = storage.get_bytes(path)
                problems += _check_content(path, entry, io.BytesIO(data))  # lines end at b"\n" only, as in files
                if secrets_out is not None:
                    secrets_out[entry["table"]] = data
                continue
            own_dir = download_dir or tempfile.mkdtemp(prefix="pcdk-check-")
            local = os.path.join(own_dir, f"{entry['table']}.jsonl")
            try:
                storage.get_file(path, local)
                with open(local, "rb") as f:
                    problems += _check_content(path, entry, f)
            finally:
                if download_dir is None:
                    shutil.rmtree(own_dir, ignore_errors=True)
        except FileNotFoundError:
            problems.append(f"{path}: missing")
        if entry["table"] == "dag_state" and entry["rows"] != manifest["dagCount"]:
            problems.append(f"dagCount {manifest['dagCount']} differs from the rows of dag_state ({entry['rows']})")
    return problems


# ---------------------------------------------------------------------------------------------------------------
# Import

def _read_jsonl(lines: Iterable[bytes]) -> Iterable[Dict[str, Any]]:
    for line in lines:
        yield json.loads(line)


def _surrogate_key(table: sa.Table) -> Optional[str]:
    """The single integer primary key the target assigns itself (dag_run.id, log.id, ...), if any."""
    pk = list(table.primary_key.columns)
    if len(pk) == 1 and isinstance(pk[0].type, sqltypes.Integer):
        return pk[0].name
    return None


class _Plan:
    """How the rows of one file go into one target table."""

    def __init__(self, table: sa.Table, entry: Mapping[str, Any], dangling: Mapping[str, Tuple[set, Any]]):
        self.table = table
        file_columns = list(entry["columns"])
        self.surrogate = _surrogate_key(table)
        self.columns = [c for c in file_columns if c in table.c and c != self.surrogate]
        self.ignored = [c for c in file_columns if c not in table.c]
        self.dangling = dangling
        problems = []
        for column in table.columns:
            if column.name in self.columns or column.name == self.surrogate:
                continue
            if not column.nullable and column.server_default is None:
                problems.append(column.name)
        if problems:
            raise BackupError(
                f"table {table.name}: column(s) {', '.join(problems)} are NOT NULL without a default in this Airflow "
                "version and not in the backup (the backup comes from an older Airflow version than supported)")

    def values(self, row: Mapping[str, Any]) -> Dict[str, Any]:
        out = {c: decode_value(row[c], self.table.c[c]) for c in self.columns}
        for name, (existing, fallback) in self.dangling.items():
            if name in out and out[name] is not None and out[name] not in existing:
                out[name] = fallback
        return out


def _dangling_references(conn: Any, table: sa.Table, imported: Iterable[str]) -> Dict[str, Tuple[set, Any]]:
    """Single-column FKs to tables the backup does not carry. dag_run.log_template_id keeps its value when the
    target has that log template (same Airflow version: same rows) and becomes the newest one otherwise (what
    Airflow assigns to new runs). Any other reference (task_instance.trigger_id) becomes NULL: an id of the old
    environment means nothing here, and an equal id would tie the row to an unrelated one (ON DELETE CASCADE)."""
    out: Dict[str, Tuple[set, Any]] = {}
    imported = set(imported)
    for fk in table.foreign_key_constraints:
        if fk.referred_table.name in imported or len(fk.columns) != 1:
            continue
        column = list(fk.columns)[0]
        if fk.referred_table.name == "log_template":
            existing = {r[0] for r in conn.execute(sa.select(fk.elements[0].column))}
            out[column.name] = (existing, max(existing) if existing else None)
        else:
            out[column.name] = (set(), None)
    return out


def _insert_batches(conn: Any, table: sa.Table, rows: Iterable[Dict[str, Any]], batch: int = 1000) -> int:
    count, buffer = 0, []
    for row in rows:
        buffer.append(row)
        if len(buffer) >= batch:
            conn.execute(table.insert(), buffer)
            count += len(buffer)
            buffer = []
    if buffer:
        conn.execute(table.insert(), buffer)
        count += len(buffer)
    return count


def _upsert(conn: Any, table: sa.Table, key: str, rows: Iterable[Dict[str, Any]]) -> Tuple[int, int]:
    existing = {r[0] for r in conn.execute(sa.select(table.c[key]))}
    inserted = updated = 0
    new_rows = []
    for row in rows:
        if row[key] in existing:
            conn.execute(sa.update(table).where(table.c[key] == row[key])
                         .values({c: v for c, v in row.items() if c != key}))
            updated += 1
        else:
            new_rows.append(row)
    inserted = _insert_batches(conn, table, new_rows)
    return inserted, updated


def count_foreign_runs(conn: Any) -> int:
    dr = _reflect(conn, ["dag_run"]).tables["dag_run"]
    return conn.execute(sa.select(sa.func.count()).select_from(dr).where(_not_own(dr.c.dag_id))).scalar()


def _encrypt_secrets(table: str, row: Dict[str, Any], fernet: Any) -> Dict[str, Any]:
    pairs = ([("password", "is_encrypted"), ("extra", "is_extra_encrypted")] if table == "connection"
             else [("val", "is_encrypted")])
    encrypting = bool(getattr(fernet, "is_encrypted", True))  # airflow's NullFernet: no key configured
    for column, flag in pairs:
        # As Airflow's models do: a non-empty value is encrypted and flagged with what this environment's Fernet
        # does (NullFernet: nothing); an empty one is stored as it is, flagged false.
        present = bool(row.get(column))
        if present:
            row[column] = fernet.encrypt(row[column].encode("utf-8")).decode("utf-8")
        if flag in row:
            row[flag] = encrypting and present
    return row


def import_metadata(engine: Any, storage: Storage, fernet: Any, *, logger: Optional[logging.Logger] = None,
                    airflow_version: Optional[str] = None, wait_for_dags_seconds: float = 600.0,
                    poll_seconds: float = 15.0, sleep: Callable[[float], None] = time.sleep,
                    monotonic: Callable[[], float] = time.monotonic) -> Dict[str, Any]:
    """Checks the backup against its manifest (refuses it on any problem), pauses every DAG but ours, refuses a
    target with DAG runs, inserts every table in foreign-key order in one transaction (columns intersected,
    dag_run ids remapped, secrets re-encrypted with this environment's Fernet), then restores each DAG's paused
    state from the backup (waiting up to wait_for_dags_seconds for DAGs not parsed yet). On failure it
    re-activates what it paused. Returns a summary (counts and DAG ids only)."""
    logger = logger or log
    if airflow_version is not None:
        check_airflow_version(airflow_version)
    with tempfile.TemporaryDirectory(prefix="pcdk-import-") as work:
        manifest = read_manifest(storage)
        secrets: Dict[str, bytes] = {}
        problems = check_manifest(storage, manifest, download_dir=work, secrets_out=secrets)
        if problems:
            raise BackupInvalid(problems)
        check_airflow_version(manifest["airflowVersion"])
        logger.info("backup matches its manifest: %d files, Airflow %s, %d DAGs", len(manifest["files"]),
                    manifest["airflowVersion"], manifest["dagCount"])
        _, paused_by_us = pause_all(engine, logger)
        try:
            summary, backup_states = _import(engine, manifest, work, secrets, fernet, logger)
            summary["pausedStates"] = restore_paused_states(
                engine, backup_states, paused_by_us, logger, wait_for_dags_seconds, poll_seconds, sleep, monotonic)
        except BaseException:
            _restore_after(engine, paused_by_us, logger, True)
            raise
    return summary


def _import(engine: Any, manifest: Mapping[str, Any], work: str, secrets: Mapping[str, bytes], fernet: Any,
            logger: logging.Logger) -> Tuple[Dict[str, Any], Dict[str, bool]]:
    entries = {e["table"]: e for e in manifest["files"]}
    tables = [t for t in entries if t != "dag_state"]
    with open(os.path.join(work, "dag_state.jsonl"), "rb") as f:
        dag_state = {r["dag_id"]: bool(r["is_paused"]) for r in _read_jsonl(f)}
    summary: Dict[str, Any] = {"tables": {}}
    with engine.begin() as conn:
        foreign_runs = count_foreign_runs(conn)
        if foreign_runs:
            raise TargetNotEmpty(
                f"the target metadata database already has {foreign_runs} DAG run(s) besides pcdk_*; pcdk_import only "
                "restores into a new environment before its DAGs run (keep [core] dags_are_paused_at_creation = True)")
        md = _reflect(conn, tables)
        # Parents first (dag_run before task_instance before task_fail/xcom); reflection also brought in the
        # tables they reference (log_template, trigger), which the backup does not carry.
        ordered = [t for t in md.sorted_tables if t.name in entries]
        plans: Dict[str, _Plan] = {}
        for table in ordered:
            plans[table.name] = _Plan(table, entries[table.name], _dangling_references(conn, table, tables))
        for table in ordered:
            name = table.name
            plan = plans[name]
            if plan.ignored:
                logger.info("%s: column(s) not in this Airflow version, not restored: %s", name,
                            ", ".join(plan.ignored))
            secret = name in SECRET_TABLES
            if secret:
                lines: Iterable[bytes] = io.BytesIO(secrets[name])
            else:
                lines = open(os.path.join(work, f"{name}.jsonl"), "rb")
            try:
                summary["tables"][name] = _import_table(conn, plan, _read_jsonl(lines), fernet, secret)
            except BackupError:
                raise
            except sa_exc.SQLAlchemyError as e:
                raise _db_error(name, e, secret) from None
            finally:
                if not secret:
                    lines.close()  # type: ignore[union-attr]
            logger.info("imported %s: %s", name, summary["tables"][name])
    return summary, dag_state


def _import_table(conn: Any, plan: _Plan, rows: Iterable[Dict[str, Any]], fernet: Any, secret: bool) -> Dict[str, int]:
    table = plan.table
    name = table.name
    if name == "xcom" and "dag_run_id" in plan.columns:
        run_ids = _run_id_map(conn)

        def remap(row: Dict[str, Any]) -> Dict[str, Any]:
            key = (row["dag_id"], row["run_id"])
            if key not in run_ids:
                raise BackupError(f"xcom of a DAG run that is not in the backup ({key[0]})")
            row["dag_run_id"] = run_ids[key]
            return row
    else:
        def remap(row: Dict[str, Any]) -> Dict[str, Any]:
            return row

    values = (remap(plan.values(r)) for r in rows if not str(r.get("dag_id") or "").startswith(OWN_DAG_PREFIX))
    if secret:
        values = (_encrypt_secrets(name, v, fernet) for v in values)
    if name in UPSERT_KEYS:
        inserted, updated = _upsert(conn, table, UPSERT_KEYS[name], values)
        return {"inserted": inserted, "updated": updated}
    return {"inserted": _insert_batches(conn, table, values)}


def _run_id_map(conn: Any) -> Dict[Tuple[str, str], int]:
    dr = _reflect(conn, ["dag_run"]).tables["dag_run"]
    return {(r.dag_id, r.run_id): r.id for r in conn.execute(sa.select(dr.c.id, dr.c.dag_id, dr.c.run_id))}


def restore_paused_states(engine: Any, backup_states: Mapping[str, bool], paused_by_us: Sequence[str],
                          logger: logging.Logger, wait_seconds: float, poll_seconds: float,
                          sleep: Callable[[float], None], monotonic: Callable[[], float]) -> Dict[str, Any]:
    """Gives each DAG of the backup its saved paused state, as soon as the scheduler has parsed it (DAG row
    exists), waiting up to wait_seconds; DAGs this import paused that the backup does not know are re-activated.
    DAGs still missing at the deadline are reported (their files may be gone) and keep Airflow's default."""
    pending = dict(backup_states)
    deadline = monotonic() + wait_seconds
    applied = 0
    while True:
        present = set(read_paused_states(engine)) & set(pending)
        for paused in (True, False):
            ids = sorted(d for d in present if pending[d] is paused)
            set_paused(engine, ids, paused)
            applied += len(ids)
        for d in present:
            del pending[d]
        if not pending or monotonic() >= deadline:
            break
        logger.info("waiting for %d DAG(s) to be parsed before restoring their paused state", len(pending))
        sleep(poll_seconds)
    others = sorted(set(paused_by_us) - set(backup_states))
    set_paused(engine, others, False)
    if pending:
        logger.warning("%d DAG(s) of the backup did not appear within %d s; their paused state was not restored: %s",
                       len(pending), int(wait_seconds), ", ".join(sorted(pending)))
    logger.info("restored the paused state of %d DAG(s); re-activated %d DAG(s) not in the backup", applied,
                len(others))
    return {"restored": applied, "reactivated": len(others), "missing": sorted(pending)}
