"""ClickHouse's engine (chdb-core, PyPI) behind the part of ClickHouse's HTTP interface the e2e's clients use.

chdb is the engine in-process, with no network server of its own. This puts a loopback HTTP endpoint over
it for the three clients the program's data path has: HyperDX's @clickhouse/client (JSON formats, query
parameters, settings), the gateway's clickhouse exporter and HyperDX's migrate tool (clickhouse-go over
HTTP: LZ4 compressed blocks, Native format) and the retention script (plain SQL). What it does not do is in
e2e/README.md ("ClickHouse's engine").

    python endpoint.py --port P --data DIR --users users.json --log queries.log

users.json maps each user to the SHA-256 of its password, as the operator's users config states them
(password_sha256_hex). A request whose user is not there, or whose password does not hash to it, gets
ClickHouse's own answer (code 516, HTTP 401). The query log holds each statement's first line and its
outcome, never a password or a request header.
"""

import argparse
import hashlib
import hmac
import json
import os
import re
import struct
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import lz4.block
from clickhouse_cityhash.cityhash import CityHash128
from chdb import session as chdb_session

# URL parameters ClickHouse's HTTP handler reads itself; everything else is a setting (or param_<name>).
HTTP_PARAMS = {
    "query", "database", "default_format", "compress", "decompress", "user", "password", "query_id",
    "session_id", "session_timeout", "session_check", "client_protocol_version", "enable_http_compression",
    "wait_end_of_query", "buffer_size", "cancel_http_readonly_queries_on_client_close", "quota_key",
    "send_progress_in_http_headers", "http_headers_progress_interval_ms", "add_http_cors_header", "role",
    "stacktrace", "http_wait_end_of_query", "http_response_buffer_size",
}
# ClickHouse's HTTP status for an exception code (src/Server/HTTPHandler.cpp, the common ones).
HTTP_STATUS = {516: 401, 60: 404, 81: 404, 62: 400, 47: 400, 46: 400, 36: 400, 27: 400, 26: 400, 53: 400, 115: 400}
CUSTOM_SERIALIZATION_REVISION = 54454

COMPRESSION_LZ4, COMPRESSION_NONE = 0x82, 0x02
FIXED_WIDTH = {
    "UInt8": 1, "Int8": 1, "Bool": 1, "Enum8": 1, "UInt16": 2, "Int16": 2, "Date": 2, "Enum16": 2,
    "UInt32": 4, "Int32": 4, "Float32": 4, "DateTime": 4, "Date32": 4, "IPv4": 4, "Decimal32": 4,
    "UInt64": 8, "Int64": 8, "Float64": 8, "DateTime64": 8, "Decimal64": 8,
    "UInt128": 16, "Int128": 16, "UUID": 16, "IPv6": 16, "Decimal128": 16, "UInt256": 32, "Int256": 32,
}


class QueryError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


# --- ClickHouse's compressed-block framing (CompressedReadBuffer / CompressedWriteBuffer) -----------------

def checksum(data):
    h = CityHash128(data)
    return struct.pack("<QQ", h >> 64, h & 0xFFFFFFFFFFFFFFFF)


def decompress_blocks(body):
    out, pos = bytearray(), 0
    while pos < len(body):
        method = body[pos + 16]
        compressed_size, size = struct.unpack_from("<II", body, pos + 17)
        frame = body[pos + 16: pos + 16 + compressed_size]
        if checksum(frame) != body[pos: pos + 16]:
            raise QueryError(40, "Code: 40. DB::Exception: Checksum doesn't match: corrupted data. (CHECKSUM_DOESNT_MATCH)")
        payload = frame[9:]
        if method == COMPRESSION_LZ4:
            out += lz4.block.decompress(payload, uncompressed_size=size)
        elif method == COMPRESSION_NONE:
            out += payload
        else:
            raise QueryError(271, f"Code: 271. DB::Exception: Unknown compression method: {method:#x}. (UNKNOWN_COMPRESSION_METHOD)")
        pos += 16 + compressed_size
    return bytes(out)


def compress_blocks(data, block=1 << 20):
    out = bytearray()
    for start in range(0, len(data), block):
        chunk = data[start: start + block]
        payload = lz4.block.compress(chunk, store_size=False)
        frame = struct.pack("<BII", COMPRESSION_LZ4, len(payload) + 9, len(chunk)) + payload
        out += checksum(frame) + frame
    return bytes(out)


# --- Native format: chdb writes revision 0; a client that sent client_protocol_version reads blocks with
# BlockInfo and, from 54454, a custom-serialization byte per column (src/Formats/NativeWriter.cpp). ------

def read_varint(buf, pos):
    shift = value = 0
    while True:
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, pos
        shift += 7


def write_varint(value):
    out = bytearray()
    while True:
        b = value & 0x7F
        value >>= 7
        out.append(b | (0x80 if value else 0))
        if not value:
            return bytes(out)


def skip_column(buf, pos, type_name, rows):
    base = type_name.split("(", 1)[0]
    if base == "Nullable":
        inner = type_name[len("Nullable("):-1]
        return skip_column(buf, pos + rows, inner, rows)
    if base in ("String",):
        for _ in range(rows):
            length, pos = read_varint(buf, pos)
            pos += length
        return pos
    if base == "FixedString":
        return pos + rows * int(type_name[len("FixedString("):-1])
    if base in FIXED_WIDTH:
        return pos + rows * FIXED_WIDTH[base]
    if base == "Decimal":
        precision = int(type_name[len("Decimal("):-1].split(",")[0])
        return pos + rows * (4 if precision <= 9 else 8 if precision <= 18 else 16 if precision <= 38 else 32)
    raise QueryError(48, f"Code: 48. DB::Exception: the e2e's endpoint cannot re-encode a {type_name} column for a Native reader with a protocol revision (e2e/clickhouse/endpoint.py). (NOT_IMPLEMENTED)")


def native_for_revision(data, revision):
    if revision <= 0:
        return data
    out, pos = bytearray(), 0
    while pos < len(data):
        columns, pos = read_varint(data, pos)
        rows, pos = read_varint(data, pos)
        # BlockInfo: field 1 is_overflows=false, field 2 bucket_num=-1, field 0 ends it.
        out += b"\x01\x00\x02" + struct.pack("<i", -1) + b"\x00"
        out += write_varint(columns) + write_varint(rows)
        for _ in range(columns):
            start = pos
            length, pos = read_varint(data, pos)
            pos += length
            length, pos = read_varint(data, pos)
            type_name = data[pos: pos + length].decode()
            pos += length
            out += data[start:pos]
            if revision >= CUSTOM_SERIALIZATION_REVISION:
                out += b"\x00"
            data_start = pos
            pos = skip_column(data, pos, type_name, rows)
            out += data[data_start:pos]
    return bytes(out)


# --- The engine ---------------------------------------------------------------------------------------

class Engine:
    def __init__(self, path):
        self.session = chdb_session.Session(path)
        self.lock = threading.Lock()

    def run(self, sql, fmt, settings, params, database):
        with self.lock:
            applied = []
            try:
                for name, value in params.items():
                    self._query(f"SET param_{name} = {literal(value)}", "TabSeparated")
                for name, value in settings.items():
                    self._query(f"SET {name} = {literal(value)}", "TabSeparated")
                    applied.append(name)
                if database:
                    self._query(f"USE {quote_identifier(database)}", "TabSeparated")
                return self._query(sql, fmt)
            finally:
                # One session serves every request: what this request changed does not outlive it.
                for name in applied:
                    self._query(f"SET {name} = DEFAULT", "TabSeparated", check=False)
                if database:
                    self._query("USE default", "TabSeparated", check=False)

    def _query(self, sql, fmt, check=True):
        try:
            return self.session.query(sql, fmt).bytes()
        except Exception as error:  # chdb raises ChdbError with ClickHouse's own message
            if not check:
                return b""
            message = str(error).strip()
            match = re.match(r"Code: (\d+)\.", message)
            raise QueryError(int(match.group(1)) if match else 1002, message if match else f"Code: 1002. DB::Exception: {message}")


def literal(value):
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def quote_identifier(name):
    return "`" + name.replace("`", "\\`") + "`"


FORMAT_AT_END = re.compile(r"\bFORMAT\s+(\w+)\s*;?\s*$", re.IGNORECASE)
INSERT_WITH_FORMAT = re.compile(r"^\s*INSERT\s+INTO\b.*?\bFORMAT\s+(\w+)\s*$", re.IGNORECASE | re.DOTALL)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ClickHouse"

    def log_message(self, *args):  # the query log below says what happened; headers are never printed
        pass

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path in ("/ping", "/") and "query" not in urllib.parse.parse_qs(url.query):
            return self.reply(200, b"Ok.\n", {"Content-Type": "text/plain; charset=UTF-8"})
        self.handle_query(b"")

    def do_POST(self):
        self.handle_query(self.read_body())

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(body)
                body += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def reply(self, status, body, headers):
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def credentials(self, args):
        user = self.headers.get("X-ClickHouse-User") or args.get("user")
        password = self.headers.get("X-ClickHouse-Key") or args.get("password")
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            import base64
            user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
        return user or "default", password or ""

    def handle_query(self, body):
        server = self.server
        started = time.monotonic()
        args = {k: v[-1] for k, v in urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query, keep_blank_values=True).items()}
        query_id = args.get("query_id") or f"e2e-{time.time_ns()}"
        headers = {"X-ClickHouse-Query-Id": query_id, "X-ClickHouse-Timezone": "UTC", "X-ClickHouse-Server-Display-Name": "chdb"}
        first_line = ""
        try:
            user, password = self.credentials(args)
            expected = server.users.get(user)
            if expected is None or not hmac.compare_digest(hashlib.sha256(password.encode()).hexdigest(), expected):
                raise QueryError(516, f"Code: 516. DB::Exception: {user}: Authentication failed: password is incorrect, or there is no user with such name. (AUTHENTICATION_FAILED)")
            if args.get("decompress") == "1" and body:
                body = decompress_blocks(body)
            query = args.get("query", "")
            infile = None
            insert = INSERT_WITH_FORMAT.match(query) if query else None
            if insert and body:
                # The data follows the query, as ClickHouse reads it: the engine takes it from a file.
                handle, infile = tempfile.mkstemp(dir=server.spool)
                with os.fdopen(handle, "wb") as f:
                    f.write(body)
                sql = query[: insert.start(1)].rstrip()
                sql = re.sub(r"\bFORMAT\s*$", "", sql, flags=re.IGNORECASE).rstrip()
                sql = f"{sql} FROM INFILE {literal(infile)} FORMAT {insert.group(1)}"
            else:
                sql = (query + "\n" + body.decode()) if query and body else (query or body.decode())
            first_line = sql.strip().splitlines()[0][:160] if sql.strip() else ""
            fmt_match = FORMAT_AT_END.search(sql) if not insert else None
            fmt = fmt_match.group(1) if fmt_match else args.get("default_format", "TabSeparated")
            settings = {k: v for k, v in args.items() if k not in HTTP_PARAMS and not k.startswith("param_")}
            params = {k[len("param_"):]: v for k, v in args.items() if k.startswith("param_")}
            try:
                data = server.engine.run(sql, fmt, settings, params, args.get("database"))
            finally:
                if infile:
                    os.unlink(infile)
            if fmt.lower() == "native":
                data = native_for_revision(data, int(args.get("client_protocol_version") or 0))
            if args.get("compress") == "1":
                data = compress_blocks(data)
            headers.update({"Content-Type": "application/octet-stream" if fmt.lower() in ("native", "rowbinary") else "text/plain; charset=UTF-8",
                            "X-ClickHouse-Format": fmt,
                            "X-ClickHouse-Summary": json.dumps({"read_rows": "0", "read_bytes": "0", "written_rows": "0", "written_bytes": "0",
                                                                "total_rows_to_read": "0", "result_rows": "0", "result_bytes": str(len(data))})})
            server.record(user, first_line, "ok", time.monotonic() - started, len(body))
            self.reply(200, data, headers)
        except QueryError as error:
            server.record(locals().get("user", "?"), first_line, f"code {error.code}", time.monotonic() - started, len(body))
            headers.update({"X-ClickHouse-Exception-Code": str(error.code), "Content-Type": "text/plain; charset=UTF-8"})
            message = (str(error) + "\n").encode()
            # With compress=1 the exception goes through the same compressed output as a result would.
            self.reply(HTTP_STATUS.get(error.code, 500), compress_blocks(message) if args.get("compress") == "1" else message, headers)
        except Exception as error:  # a bug here, not in the client: say so in the answer and the log
            traceback.print_exc()
            server.record("?", first_line, "endpoint error", time.monotonic() - started, len(body))
            self.reply(500, f"Code: 1001. DB::Exception: e2e endpoint error: {error}\n".encode(), headers)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, engine, users, spool, log):
        super().__init__(address, Handler)
        self.engine, self.users, self.spool, self.log = engine, users, spool, log
        self.log_lock = threading.Lock()

    def record(self, user, first_line, outcome, seconds, body_bytes):
        with self.log_lock:
            self.log.write(json.dumps({"user": user, "query": first_line, "outcome": outcome,
                                       "ms": round(seconds * 1000, 1), "bodyBytes": body_bytes}) + "\n")
            self.log.flush()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--users", required=True)
    parser.add_argument("--log", required=True)
    options = parser.parse_args()
    with open(options.users) as f:
        users = json.load(f)
    spool = os.path.join(options.data, "spool")
    os.makedirs(spool, exist_ok=True)
    engine = Engine(os.path.join(options.data, "engine"))
    log = open(options.log, "a")
    server = Server(("127.0.0.1", options.port), engine, users, spool, log)
    print(f"listening on 127.0.0.1:{options.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
