#!/usr/bin/env python3
"""A small real program of the kind a service is made of, standard library
only: an asyncio TCP server answering JSON requests from client tasks over
loopback, keeping what they send in an sqlite3 database, logging, with
dataclasses, decimal, an SSL context loaded with the system's CA store,
regular expressions and a thread pool for blocking work. Runs for SECONDS
(default 8). Run by tests/integration/realapps.sh under
samples/realapp_oracle.py, on the newest interpreters (the Debian roots'
3.13-3.15), whose heaps nobody here laid out.
"""
import asyncio
import concurrent.futures
import dataclasses
import decimal
import hashlib
import json
import logging
import re
import sqlite3
import ssl
import sys
import time

LOG = logging.getLogger("refheap.asyncio_app")
WORD = re.compile(r"[a-z]+(?:-[a-z]+)*")


@dataclasses.dataclass(frozen=True)
class Order:
    client: int
    seq: int
    item: str
    price: decimal.Decimal

    def total(self, qty):
        return self.price * qty


def digest(data):
    # blocking work for the pool
    return hashlib.sha256(data).hexdigest()


class Store:
    def __init__(self):
        self.db = sqlite3.connect(":memory:", check_same_thread=False)
        self.db.execute("create table orders (client int, seq int, item text, price text)")

    def add(self, order):
        self.db.execute("insert into orders values (?, ?, ?, ?)",
                        (order.client, order.seq, order.item, str(order.price)))

    def count(self):
        return self.db.execute("select count(*) from orders").fetchone()[0]


async def handle(reader, writer, store, pool):
    loop = asyncio.get_running_loop()
    while True:
        line = await reader.readline()
        if not line:
            break
        req = json.loads(line)
        order = Order(req["client"], req["seq"], req["item"], decimal.Decimal(req["price"]))
        store.add(order)
        h = await loop.run_in_executor(pool, digest, line)
        words = WORD.findall(order.item)
        writer.write(json.dumps({"ok": True, "seq": order.seq, "sha": h[:12],
                                 "words": len(words),
                                 "total": str(order.total(3))}).encode() + b"\n")
        await writer.drain()
    writer.close()


async def client(n, port, end):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    seq = 0
    items = ["blue-widget", "red-gadget-deluxe", "plain-thing", "green-doohickey"]
    while time.monotonic() < end:
        seq += 1
        writer.write(json.dumps({"client": n, "seq": seq, "item": items[seq % len(items)],
                                 "price": "%d.%02d" % (seq % 97, seq % 100)}).encode() + b"\n")
        await writer.drain()
        reply = json.loads(await reader.readline())
        if not reply["ok"]:
            raise RuntimeError(reply)
        await asyncio.sleep(0)
    writer.close()
    await writer.wait_closed()
    return seq


async def main(seconds):
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    ctx = ssl.create_default_context()   # the CA store: many objects
    store = Store()
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        server = await asyncio.start_server(
            lambda r, w: handle(r, w, store, pool), "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        end = time.monotonic() + seconds
        async with server:
            counts = await asyncio.gather(*(client(n, port, end) for n in range(4)))
    LOG.warning("done: %d requests, %d stored, %d CA certificates", sum(counts),
                store.count(), len(ctx.get_ca_certs()))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(float(sys.argv[1]) if len(sys.argv) > 1 else 8.0)))
