"""Realistic registrations for the simulator: carrier mix, split orders, services, names, customers' typing."""

from __future__ import annotations

import bisect
import collections
import itertools
import multiprocessing
import os
import queue
import random
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from scanstation.devserver.store import CustomerRow, RegistrationRow, customer_id, parcel_id
from scanstation.devserver.wire import SERVICES, encode
from scanstation.domain import AWAITING
from scanstation.tracking.samples import sample_number, typed_variant

# Registrations are made in chunks, each from its own seeded generator, so the result depends only on
# (count, seed) and a chunk can be built while the previous one is written.
CHUNK: Final = 20_000
CUSTOMERS_PER_CHUNK: Final = CHUNK // 3  # a customer registers about three parcels
# Below this many registrations starting worker processes costs more than it saves.
PROCESSES_FROM: Final = 100_000

# where customers buy, by share of registrations
_STORES: Final[tuple[tuple[str, int], ...]] = (
    ("amazon.com", 42),
    ("ebay.com", 12),
    ("walmart.com", 7),
    ("iherb.com", 6),
    ("nike.com", 4),
    ("bestbuy.com", 3),
    ("target.com", 3),
    ("carters.com", 3),
    ("6pm.com", 3),
    ("macys.com", 3),
    ("apple.com", 2),
    ("sephora.com", 2),
    ("newegg.com", 2),
    ("zappos.com", 2),
    ("gap.com", 2),
    ("ralphlauren.com", 2),
    ("etsy.com", 2),
)
# Amazon ships most of its own parcels; everything else follows the dock's mix.
_AMAZON_CARRIERS: Final = (("amazon", 45), ("usps", 25), ("ups", 25), ("fedex", 5))

# parcels per order: most orders come in one box, some stores split them into 2-4 shipments
_SPLIT: Final = ((1, 85), (2, 9), (3, 4), (4, 2))

# share of registrations with services, and how often each service is chosen
_WITH_SERVICES: Final = 0.45
_SERVICE_WEIGHTS: Final = {
    "photo": 40,
    "remove_invoice": 20,
    "photo_contents": 12,
    "check_contents": 10,
    "repack": 8,
    "consolidate": 6,
    "hold": 4,
}
# later stages already reached by some registrations in the feed (the rest are awaiting)
_STATUSES: Final = ((AWAITING, 920), ("at_warehouse", 40), ("packed", 20), ("shipped", 15), ("delivered", 5))
# one registration in this many repeats an earlier number under another customer (two people typed the same)
_SAME_NUMBER_EVERY: Final = 5000

_RU_MALE: Final = ("Иван", "Алексей", "Сергей", "Дмитрий", "Андрей", "Михаил", "Никита", "Павел", "Артём", "Олег")
_RU_FEMALE: Final = ("Анна", "Мария", "Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Екатерина", "Юлия", "Светлана")
_RU_SURNAMES: Final = (
    "Петров", "Иванов", "Смирнов", "Кузнецов", "Попов", "Соколов", "Лебедев", "Козлов", "Новиков", "Морозов",
    "Волков", "Соловьёв", "Васильев", "Зайцев", "Павлов", "Семёнов", "Голубев", "Виноградов", "Богданов", "Орлов",
)  # fmt: skip
_EN_FIRST: Final = ("John", "Michael", "David", "Emily", "Sarah", "Jessica", "Daniel", "Laura", "Kevin", "Olga")
_EN_LAST: Final = ("Smith", "Johnson", "Brown", "Miller", "Davis", "Wilson", "Taylor", "Clark", "Lewis", "Walker")
_TRANSLIT: Final = str.maketrans(
    {
        "А": "A", "Б": "B", "В": "V", "Г": "G", "Д": "D", "Е": "E", "Ё": "Yo", "Ж": "Zh", "З": "Z", "И": "I",
        "Й": "Y", "К": "K", "Л": "L", "М": "M", "Н": "N", "О": "O", "П": "P", "Р": "R", "С": "S", "Т": "T",
        "У": "U", "Ф": "F", "Х": "Kh", "Ц": "Ts", "Ч": "Ch", "Ш": "Sh", "Щ": "Shch", "Ъ": "", "Ы": "Y", "Ь": "",
        "Э": "E", "Ю": "Yu", "Я": "Ya", "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo",
        "ж": "zh", "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p",
        "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
        "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
    }
)  # fmt: skip
_MAIL_DOMAINS: Final = ("gmail.com", "mail.ru", "yandex.ru", "outlook.com", "icloud.com", "bk.ru")


class _Weighted:
    """Picks items by weight with one rng.random() (random.choices is several times slower per pick)."""

    def __init__(self, weighted: Iterable[tuple[str, int]] | Iterable[tuple[int, int]]) -> None:
        pairs = list(weighted)
        self._items = [item for item, _ in pairs]
        self._cum = list(itertools.accumulate(weight for _, weight in pairs))
        self._total = self._cum[-1]

    def pick(self, rng: random.Random) -> Any:
        return self._items[bisect.bisect_right(self._cum, rng.random() * self._total)]


_STORE_PICK: Final = _Weighted(_STORES)
_AMAZON_PICK: Final = _Weighted(_AMAZON_CARRIERS)
_SPLIT_PICK: Final = _Weighted(_SPLIT)
_STATUS_PICK: Final = _Weighted(_STATUSES)
_SERVICE_PICK: Final = _Weighted(_SERVICE_WEIGHTS.items())
_SERVICE_COUNT_PICK: Final = _Weighted(((1, 60), (2, 30), (3, 10)))


def _below(rng: random.Random, n: int) -> int:
    """A number from 0 to n-1 (rng.randrange costs several Python calls; this is plenty uniform here)."""
    return int(rng.random() * n)


def _name(rng: random.Random) -> str:
    """A customer's name as entered on the site: Cyrillic mostly, else Latin (transliterated or English)."""
    r = rng.random()
    if r < 0.8:
        female = rng.random() < 0.55
        first = rng.choice(_RU_FEMALE if female else _RU_MALE)
        last = rng.choice(_RU_SURNAMES) + ("а" if female else "")
        name = f"{first} {last}"
        return name if r < 0.65 else name.translate(_TRANSLIT)
    return f"{rng.choice(_EN_FIRST)} {rng.choice(_EN_LAST)}"


def _email(name: str, num: int, rng: random.Random) -> str:
    local = ".".join(name.translate(_TRANSLIT).lower().replace("'", "").split())
    return f"{local}{num % 1000}@{rng.choice(_MAIL_DOMAINS)}"


def _order_number(store: str, rng: random.Random) -> str:
    if store == "amazon.com":
        return f"1{_below(rng, 100):02d}-{_below(rng, 10**7):07d}-{_below(rng, 10**7):07d}"
    if store == "ebay.com":
        return f"{10 + _below(rng, 18)}-{_below(rng, 10**5):05d}-{_below(rng, 10**5):05d}"
    if store == "walmart.com":
        return f"2000{_below(rng, 10**3):03d}-{_below(rng, 10**8):08d}"
    if store == "iherb.com":
        return str(10**8 + _below(rng, 9 * 10**8))
    return f"{rng.choice(('', '#', 'W', 'BBY01-'))}{10**6 + _below(rng, 10**9 - 10**6)}"


def _services(rng: random.Random, split: bool) -> list[str]:
    if rng.random() >= _WITH_SERVICES:
        return ["consolidate"] if split and rng.random() < 0.3 else []
    chosen = {_SERVICE_PICK.pick(rng) for _ in range(_SERVICE_COUNT_PICK.pick(rng))}
    if split and rng.random() < 0.5:
        chosen.add("consolidate")
    return [code for code in SERVICES if code in chosen]


class _Clock:
    """updated_at for registration n: evenly spaced from `first`; formats a minute once, not every row."""

    def __init__(self, first: datetime, step: timedelta) -> None:
        self._first_ms = int(first.timestamp() * 1000)
        self._step_ms = step / timedelta(milliseconds=1)
        self._minute = -1
        self._prefix = ""

    def at(self, n: int) -> str:
        ms = self._first_ms + int(self._step_ms * n)
        minute, rest = divmod(ms, 60_000)
        if minute != self._minute:
            self._minute = minute
            self._prefix = datetime.fromtimestamp(minute * 60, UTC).strftime("%Y-%m-%dT%H:%M:")
        return f"{self._prefix}{rest // 1000:02d}.{rest % 1000:03d}Z"


def _chunk(
    index: int, start: int, stop: int, seed: int, times: tuple[datetime, timedelta]
) -> tuple[list[CustomerRow], list[RegistrationRow]]:
    """Registrations p_<start+1> .. p_<stop> with change sequence = their number, and their customers."""
    rng = random.Random(f"{seed}:{index}")
    base_customer = index * CUSTOMERS_PER_CHUNK
    pool = max(1, (stop - start) // 3)
    customers: dict[int, CustomerRow] = {}
    rows: list[RegistrationRow] = []
    clock = _Clock(*times)
    previous_number = ""
    num = start
    while num < stop:
        cnum = base_customer + 1 + _below(rng, pool)
        customer = customers.get(cnum)
        if customer is None:
            name = _name(rng)
            customer = customers[cnum] = (cnum, f"UN-{1000 + cnum}", name, _email(name, cnum, rng))
        who = {"id": customer_id(cnum), "suite": customer[1], "name": customer[2]}
        store = _STORE_PICK.pick(rng)
        order = _order_number(store, rng)
        parcels = min(_SPLIT_PICK.pick(rng), stop - num)
        for _ in range(parcels):
            num += 1
            carrier = _AMAZON_PICK.pick(rng) if store == "amazon.com" else None
            number = sample_number(rng, carrier).tracking_number
            if previous_number and _below(rng, _SAME_NUMBER_EVERY) == 0:
                number = previous_number
            previous_number = number
            status = _STATUS_PICK.pick(rng)
            typed = typed_variant(number, rng)
            updated_at = clock.at(num)
            doc = {
                "id": parcel_id(num),
                "tracking_number": typed,
                "order_number": order,
                "store": store,
                "customer": who,
                "services": _services(rng, parcels > 1),
                "status": status,
                "deleted": False,
                "updated_at": updated_at,
            }
            rows.append((num, num, 0, status, typed, order, cnum, updated_at, encode(doc)))
    return sorted(customers.values()), rows


def generate_batches(
    count: int,
    *,
    seed: int = 1,
    on_progress: Callable[[int, int], None] | None = None,
    processes: bool | None = None,
) -> Iterator[tuple[list[CustomerRow], list[RegistrationRow]]]:
    """Batches of (customers, registrations) for a new database: p_1..p_<count>, change sequence 1..count.

    The result depends only on (count, seed): each chunk has its own seeded generator. Large counts
    are built by worker processes (one per CPU) while the caller writes finished chunks; small ones by
    one worker thread (`processes` forces one way or the other). updated_at runs over the last 30
    days in feed order.
    """
    now = datetime.now(UTC).replace(microsecond=0)
    times = (now - timedelta(days=30), timedelta(days=30) / max(count, 1))
    chunks = [(i, start, min(count, start + CHUNK), seed, times) for i, start in enumerate(range(0, count, CHUNK))]
    workers = min(os.cpu_count() or 1, len(chunks))
    if processes is None:
        # A frozen (PyInstaller) build cannot spawn workers unless its entry point calls freeze_support().
        processes = workers > 1 and count >= PROCESSES_FROM and not getattr(sys, "frozen", False)
    made = _in_processes(chunks, max(workers, 1)) if processes else _in_thread(chunks)
    done = 0
    for batch in made:
        done += len(batch[1])
        yield batch
        if on_progress is not None:
            on_progress(done, count)


_Chunk = tuple[list[CustomerRow], list[RegistrationRow]]
_ChunkArgs = tuple[int, int, int, int, tuple[datetime, timedelta]]


def _in_processes(chunks: list[_ChunkArgs], workers: int) -> Iterator[_Chunk]:
    """Chunks in order, built by a process pool with a bounded number in flight (bounded memory)."""
    # spawn, not fork: the caller may have threads (a GUI, a running server) that fork would copy mid-state.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_leave_signals_to_the_parent) as pool:
        pending: collections.deque[Future[_Chunk]] = collections.deque()
        todo = iter(chunks)
        try:
            for args in itertools.islice(todo, workers + 1):
                pending.append(pool.submit(_chunk, *args))
            while pending:
                result = pending.popleft().result()
                for args in itertools.islice(todo, 1):
                    pending.append(pool.submit(_chunk, *args))
                yield result
        finally:
            for future in pending:
                future.cancel()


def _leave_signals_to_the_parent() -> None:
    # Ctrl+C reaches the whole process group; the parent decides to stop and shuts the pool down.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _in_thread(chunks: list[_ChunkArgs]) -> Iterator[_Chunk]:
    """Chunks in order, built by one thread while the caller writes the previous one."""
    ready: queue.Queue[_Chunk | BaseException | None] = queue.Queue(2)
    cancel = threading.Event()

    def produce() -> None:
        try:
            for args in chunks:
                if cancel.is_set():
                    return
                ready.put(_chunk(*args))
            ready.put(None)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            ready.put(exc)

    worker = threading.Thread(target=produce, name="devserver-generate", daemon=True)
    worker.start()
    try:
        while True:
            item = ready.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        cancel.set()
        while worker.is_alive():  # unblock a producer waiting on a full queue
            try:
                ready.get(timeout=0.1)
            except queue.Empty:
                pass
        worker.join()
