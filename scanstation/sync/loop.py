"""The sync loop: a background thread that pulls and pushes on its intervals and publishes a status."""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Final

from scanstation.config import Config
from scanstation.domain import (
    NOTE_RESOLVED_LATER,
    Resolver,
    SyncNotice,
    SyncState,
    SyncStatus,
    Verdict,
    rfc3339,
    utcnow,
)
from scanstation.store.connection import Store
from scanstation.store.engine import write_transaction
from scanstation.store.errors import Trouble, known_error
from scanstation.store.feedfile import build_search_index
from scanstation.store.state import get_state, set_state
from scanstation.sync.client import (
    CentralClient,
    ContractError,
    ServerBusyError,
    SyncError,
    TokenRejectedError,
    redact,
)
from scanstation.sync.pull import DEFAULT_BATCH_ROWS, Puller, PullResult
from scanstation.sync.push import Pusher, PushResult, outbox_counts

__all__ = [
    "DATABASE_BUSY",
    "DISABLED",
    "DISK_FULL",
    "OFFLINE",
    "ONLINE",
    "TOKEN_REJECTED",
    "Backoff",
    "CycleReport",
    "SyncLoop",
    "local_failure_words",
]

log = logging.getLogger(__name__)

ONLINE: Final = SyncState.ONLINE
OFFLINE: Final = SyncState.OFFLINE
TOKEN_REJECTED: Final = SyncState.TOKEN_REJECTED
DISABLED: Final = SyncState.DISABLED

LAST_PULL_KEY: Final = "last_pull_at"
LAST_PUSH_KEY: Final = "last_push_at"

# Full-jitter spread: a delay is drawn from [JITTER_LOW * d, d] so stations do not retry in step.
JITTER_LOW: Final = 0.5


@dataclass
class CycleReport:
    """What `run_once` did (printed by `scanstation sync --once`)."""

    pull: PullResult | None = None
    push: PushResult = field(default_factory=PushResult)
    errors: list[str] = field(default_factory=list)
    token_rejected: bool = False


class Backoff:
    """Exponential back-off with jitter, capped at max_s; a server's Retry-After may lengthen a wait, not shorten it."""

    def __init__(self, initial_s: float, max_s: float, rng: random.Random | None = None) -> None:
        self._initial = initial_s
        self._max = max(max_s, initial_s)
        self._rng = rng or random.Random()
        self.failures = 0

    def failure(self, retry_after: float | None = None) -> float:
        self.failures += 1
        ceiling = min(self._max, self._initial * 2 ** min(self.failures - 1, 60))
        delay = self._rng.uniform(ceiling * JITTER_LOW, ceiling)
        # A busy server saying "0" (or garbage) must not get requests faster than any other failure would,
        # and one saying "a day" must not silence the station past the longest wait its config allows.
        if retry_after is not None and math.isfinite(retry_after):
            delay = min(max(delay, retry_after), self._max)
        return delay

    def success(self) -> None:
        self.failures = 0


class SyncLoop:
    """Pull every pull_interval_s, push every push_interval_s, on one background thread (not Qt's).

    `on_status`, `on_notice` and `on_cycle` (what a cycle did) are called on the sync thread; a UI
    forwards them to its own thread.
    Database writes are short transactions (see Puller); no transaction is open across HTTP.
    """

    def __init__(
        self,
        config: Config,
        store: Store,
        *,
        resolver: Resolver | None = None,
        on_status: Callable[[SyncStatus], None] | None = None,
        on_notice: Callable[[SyncNotice], None] | None = None,
        on_cycle: Callable[[CycleReport], None] | None = None,
        environ: Mapping[str, str] | None = None,
        batch_rows: int = DEFAULT_BATCH_ROWS,
        rng: random.Random | None = None,
    ) -> None:
        self._store = store
        self._resolver = resolver
        self._on_status = on_status
        self._on_notice = on_notice
        self._on_cycle = on_cycle
        self._environ = environ
        self._batch_rows = batch_rows
        self._rng = rng or random.Random()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._now_requested = False
        self._thread: threading.Thread | None = None
        self._status = SyncStatus(state=DISABLED)
        self._published: SyncStatus | None = None
        self._config: Config = config
        self._client: CentralClient | None = None
        self._pending_config: Config | None = None
        self._token_rejected = False
        self._catch_up = True  # once at start: a crash may have come between a page and its late-match check
        self._pull_backoff = Backoff(config.server.backoff_initial_s, config.server.backoff_max_s, self._rng)
        self._push_backoff = Backoff(config.server.backoff_initial_s, config.server.backoff_max_s, self._rng)
        # A cycle that failed outside the pull's and the push's own handling (a bug, the disk).
        self._cycle_backoff = Backoff(config.server.backoff_initial_s, config.server.backoff_max_s, self._rng)
        self._doing = "starting"
        self._failing: str | None = None  # the words of the station-side failure going on, logged once
        self._failures = 0
        self._apply_config(config)
        self._load_times()

    # ------------------------------------------------------------------ public

    @property
    def status(self) -> SyncStatus:
        with self._lock:
            return self._status

    @property
    def running(self) -> bool:
        """Whether the loop's thread is alive (started and not stopped)."""
        thread = self._thread
        return thread is not None and thread.is_alive()

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("the sync loop is already running")
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="sync", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> bool:
        """Stop soon: after the page being written or the request in flight. True when the thread ended."""
        self._stop.set()
        self._wake.set()
        thread, self._thread = self._thread, None
        if thread is None:
            return True
        thread.join(timeout)
        ended = not thread.is_alive()
        if ended and self._client is not None:
            self._client.close()
        return ended

    def sync_now(self) -> None:
        """Pull and push at once (the "sync now" button)."""
        with self._lock:
            self._now_requested = True
        self._wake.set()

    def reconfigure(self, config: Config) -> None:
        """Use a new config (e.g. a new token) from the next cycle on; clears "token rejected"."""
        with self._lock:
            self._pending_config = config
            self._now_requested = True
        self._wake.set()

    def run_once(self) -> CycleReport:
        """One full cycle on the caller's thread: health, pull to the end, push everything due."""
        report = CycleReport()
        self._take_pending_config()
        self._catch_up_unknowns()
        if self._client is None:
            self._publish()
            return report
        self._health(report)
        if not self._token_rejected:
            self._pull(report)
        if not self._token_rejected:
            self._push_all(report)
        report.token_rejected = self._token_rejected
        self._publish()
        return report

    # ------------------------------------------------------------------ the thread

    def _run(self) -> None:
        next_pull = next_push = time.monotonic()
        while not self._stop.is_set():
            try:
                next_pull, next_push = self._cycle(next_pull, next_push)
            except Exception as err:  # anything at all (a full disk, a bug): the loop outlives it
                delay = self._local_failure(self._doing, err, CycleReport(), self._cycle_backoff)
                next_pull = next_push = time.monotonic() + delay
            else:
                self._cycle_backoff.success()
            self._doing = "publishing the status"
            try:
                self._publish()
            except Exception as err:
                self._local_failure(self._doing, err, CycleReport(), self._cycle_backoff)
            if self._stop.is_set():
                break
            wait = min(next_pull, next_push) - time.monotonic()
            if self._client is None or self._token_rejected:
                wait = self._push_interval  # nothing to do until reconfigured; keep the counts fresh
            self._wake.wait(max(0.0, wait))
            self._wake.clear()

    def _cycle(self, next_pull: float, next_push: float) -> tuple[float, float]:
        """One turn of the loop: pull and push when due; returns when each is due next."""
        self._doing = "taking a new config"
        self._take_pending_config()
        self._doing = "checking open unknown parcels"
        self._catch_up_unknowns()
        with self._lock:
            now_requested, self._now_requested = self._now_requested, False
        now = time.monotonic()
        if self._client is None or self._token_rejected:
            return next_pull, next_push
        report = CycleReport()
        if now_requested or now >= next_pull:
            self._doing = "checking the server"
            self._health(report)
            self._doing = "pulling"
            delay = self._pull(report)
            next_pull = time.monotonic() + (delay if delay is not None else self._pull_interval)
        if not self._token_rejected and (now_requested or now >= next_push):
            self._doing = "pushing"
            delay = self._push_all(report)
            next_push = time.monotonic() + (delay if delay is not None else self._push_interval)
        if self._on_cycle is not None and (report.pull is not None or report.push.requests or report.errors):
            try:
                self._on_cycle(report)
            except Exception:
                log.exception("a cycle listener failed")
        return next_pull, next_push

    # ------------------------------------------------------------------ steps

    def _apply_config(self, config: Config) -> None:
        self._config = config
        self._pull_interval = config.server.pull_interval_s
        self._push_interval = config.server.push_interval_s
        self._token_rejected = False
        if self._client is not None:
            self._client.close()
            self._client = None
        if not config.server.enabled:
            self._set(state=DISABLED, last_error=None)
            return
        try:
            self._client = CentralClient(config.server, config.server_token(self._environ), config.station.id)
        except ValueError as err:
            self._set(state=DISABLED, last_error=redact(str(err)))
            return
        self._pull_backoff = Backoff(config.server.backoff_initial_s, config.server.backoff_max_s, self._rng)
        self._push_backoff = Backoff(config.server.backoff_initial_s, config.server.backoff_max_s, self._rng)
        if self.status.state in (DISABLED, TOKEN_REJECTED):
            self._set(state=OFFLINE, last_error=None)

    def _take_pending_config(self) -> None:
        with self._lock:
            config, self._pending_config = self._pending_config, None
        if config is not None:
            self._apply_config(config)

    def _load_times(self) -> None:
        with self._store.connect() as conn:
            pulled = get_state(conn, LAST_PULL_KEY)
            pushed = get_state(conn, LAST_PUSH_KEY)
        self._set(last_pull_at=_parse_time(pulled), last_push_at=_parse_time(pushed))

    def _catch_up_unknowns(self) -> None:
        """Unknown parcels a crash (or a failed check) left between a page's commit and its late-match check."""
        if self._resolver is None or not self._catch_up:
            return
        try:
            self._notify(self._resolver(None))
        except Exception as err:  # tried again next cycle; told (once) like any station-side failure
            self._local_failure("checking open unknown parcels", err, CycleReport(), self._cycle_backoff)
            return
        self._catch_up = False

    def _health(self, report: CycleReport) -> None:
        assert self._client is not None
        try:
            reading = self._client.health()
        except ContractError as err:
            self._contract_error(err, report)
            return
        except SyncError as err:
            self._failed(err, report)
            return
        self._set(state=ONLINE, clock_offset_s=round(reading.clock_offset_s, 1))

    def _pull(self, report: CycleReport) -> float | None:
        """Returns the back-off delay after a failure, None after success."""
        assert self._client is not None
        puller = Puller(
            self._store,
            self._client,
            page_limit=self._config.server.page_limit,
            batch_rows=self._batch_rows,
            resolver=self._resolver,
            stop=self._stop,
        )
        try:
            result = puller.pull(on_resolved=self._notify)
        except ContractError as err:
            self._contract_error(err, report)
            return self._pull_backoff.failure()
        except SyncError as err:
            return self._failed(err, report, self._pull_backoff)
        except Exception as err:  # e.g. the database locked past its busy timeout: try again later
            # A page may have been stored without its late-match check: check every open unknown next time.
            self._catch_up = True
            return self._local_failure("pulling", err, report, self._pull_backoff)
        report.pull = result
        if result.set_aside:
            with self._lock:
                set_aside = self._status.registrations_set_aside + result.set_aside
            self._set(registrations_set_aside=set_aside)
        if result.completed:
            now = utcnow()
            try:
                with write_transaction(self._store) as conn:
                    set_state(conn, LAST_PULL_KEY, rfc3339(now))
            except Exception as err:
                return self._local_failure("recording the pull's time", err, report, self._pull_backoff)
            self._recovered()
            self._set(state=ONLINE, last_pull_at=now, last_error=None)
        self._pull_backoff.success()
        log.info(
            "pulled %d registrations in %d pages (%d new, %d changed%s)%s",
            result.items,
            result.pages,
            result.inserted,
            result.updated,
            f", {result.set_aside} refused by the database and set aside for review" if result.set_aside else "",
            " after the server dropped the cursor" if result.restarted else "",
        )
        try:
            # What a first fill left for after it (supervisors' searching); scans never wait for it.
            build_search_index(self._store.feed)
        except Exception as err:
            return self._local_failure("indexing the feed for searching", err, report, self._pull_backoff)
        return None

    def _push_all(self, report: CycleReport) -> float | None:
        assert self._client is not None
        pusher = Pusher(self._store, self._client)
        while not self._stop.is_set():
            try:
                step = pusher.push_once()
            except ContractError as err:
                # A malformed 200: the events count as not delivered and go again later.
                self._contract_error(err, report)
                return self._push_backoff.failure()
            except SyncError as err:
                return self._failed(err, report, self._push_backoff)
            except Exception as err:
                return self._local_failure("pushing", err, report, self._push_backoff)
            if step.requests == 0:
                break
            report.push.sent += step.sent
            report.push.duplicate += step.duplicate
            report.push.rejected += step.rejected
            report.push.requests += 1
            now = utcnow()
            try:
                with write_transaction(self._store) as conn:
                    set_state(conn, LAST_PUSH_KEY, rfc3339(now))
            except Exception as err:
                return self._local_failure("recording the push's time", err, report, self._push_backoff)
            self._push_backoff.success()
            self._recovered()
            self._set(state=ONLINE, last_push_at=now, last_error=None)
        return None

    def _failed(self, err: SyncError, report: CycleReport, backoff: Backoff | None = None) -> float | None:
        message = redact(str(err))
        report.errors.append(message)
        if isinstance(err, TokenRejectedError):
            log.error("%s: pushing and pulling stop until the token in the config is changed", message)
            self._token_rejected = True
            self._set(state=TOKEN_REJECTED, last_error="token rejected")
            return None
        log.warning("%s", message)
        self._set(state=OFFLINE, last_error=message)
        if backoff is None:
            return None
        delay = backoff.failure(err.retry_after if isinstance(err, ServerBusyError) else None)
        log.info("next attempt in %.1f s", delay)
        return delay

    def _local_failure(self, doing: str, err: Exception, report: CycleReport, backoff: Backoff) -> float:
        """A failure on this side (the disk, the database, a bug): told in words, logged once, backed off."""
        words = local_failure_words(doing, err)
        report.errors.append(words)
        self._set(last_error=words)
        delay = backoff.failure()
        # Once with its traceback; the same failure again (a disk that stays full) only counts.
        if words != self._failing:
            self._failing, self._failures = words, 1
            log.error("%s (%s: %s)", words, doing, redact(f"{type(err).__name__}: {err}")[:500], exc_info=err)
        else:
            self._failures += 1
        log.debug("the station-side failure again (%d times); next attempt in %.1f s", self._failures, delay)
        return delay

    def _recovered(self) -> None:
        """A write went through again: say so once after station-side failures."""
        if self._failing is not None:
            log.warning(
                "sync goes on: the station-side failure is over after %d attempts (%s)", self._failures, self._failing
            )
            self._failing, self._failures = None, 0

    def _contract_error(self, err: ContractError, report: CycleReport) -> None:
        message = redact(str(err))
        report.errors.append(message)
        log.error("answer set aside, it breaks the contract: %s", message)
        with self._lock:
            count = self._status.contract_errors + 1
        self._set(
            state=ONLINE, last_error=f"the server's answer breaks the contract: {message[:200]}", contract_errors=count
        )

    def _notify(self, verdicts: Sequence[Verdict]) -> None:
        if self._on_notice is None:
            return
        for verdict in verdicts:
            message = verdict.note or NOTE_RESOLVED_LATER
            try:
                self._on_notice(SyncNotice(kind="unknown_resolved", message=message, verdict=verdict))
            except Exception:
                log.exception("a notice listener failed")

    # ------------------------------------------------------------------ status

    def _set(self, **changes: object) -> None:
        with self._lock:
            self._status = replace(self._status, **changes)  # type: ignore[arg-type]

    def _publish(self) -> None:
        try:
            counts = outbox_counts(self._store)
        except Exception:
            log.exception("counting the outbox failed")
        else:
            self._set(events_waiting=counts.waiting, events_held=counts.held, rejected_count=counts.rejected)
        status = self.status
        if status == self._published:
            return
        self._published = status
        if self._on_status is not None:
            try:
                self._on_status(status)
            except Exception:
                log.exception("a status listener failed")


DISK_FULL: Final = "the disk is full: sync paused, retrying; free space on the station's disk"
DATABASE_BUSY: Final = "the database is busy (another program holds it): sync paused, retrying"
# What the sync loop says for each trouble of the environment (store.errors.known_error); None: the
# failure's own text, as for a bug.
_TOLD: Final[dict[Trouble, str | None]] = {
    Trouble.DISK_FULL: DISK_FULL,
    Trouble.BUSY: DATABASE_BUSY,
    Trouble.READ_ONLY: f"{Trouble.READ_ONLY.value}: sync paused, retrying; call an administrator",
    Trouble.CONNECTION_LOST: f"{Trouble.CONNECTION_LOST.value}: sync paused, retrying",
    Trouble.REFUSED: None,
}


def local_failure_words(doing: str, err: BaseException) -> str:
    """What a failure on the station's side means, in the words a status shows."""
    known = known_error(err)
    told = _TOLD[known.trouble] if known is not None else None
    return told or redact(f"{doing} failed on the station: {type(err).__name__}: {err}")[:500]


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
