"""The Server tab: URL, token (masked, never shown back), intervals and TLS, and the connection test."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

from scanstation.config import DEFAULT_TOKEN_ENV, ServerConfig
from scanstation.gui import qt
from scanstation.gui.admin.context import AdminContext, ProbeReportShown
from scanstation.gui.admin.form import SettingsPage, check_edits, error_words
from scanstation.gui.bridge import in_words
from scanstation.gui.plain import plain_label
from scanstation.gui.widgets import Retranslated

log = logging.getLogger(__name__)

_OK_STYLE = "color: #1b5e20;"
_BAD_STYLE = "color: #b71c1c; font-weight: bold;"


class ServerTab(Retranslated, qt.QWidget):
    """Server settings; "Test connection" asks the server with the values as typed, on a thread of its own.

    The test never runs on the GUI thread (the network) nor on the receiving thread (scans must not wait
    behind a slow server): a plain thread answers through a queued signal.
    """

    changed = qt.Signal()
    probe_answered = qt.Signal(object)  # the ProbeReportShown just shown, or None when the test could not start
    _probed = qt.Signal(object, int)  # from the test's thread: the report (or the exception) and its number

    def __init__(self, context: AdminContext, data: Mapping[str, Any]) -> None:
        super().__init__()
        self.setObjectName("serverTab")
        self._context = context
        self._data = data
        self._tries = 0  # only the newest test's answer is shown
        self._answer: ProbeReportShown | Exception | None = None
        self._problem = ""
        self.page = SettingsPage(
            [
                (
                    lambda: self.tr("Central server"),
                    [
                        ("server", "url"),
                        ("server", "token"),
                        ("server", "token_env"),
                        ("server", "allow_insecure_http"),
                    ],
                ),
                (lambda: self.tr("Security"), [("server", "verify_tls")]),
                (
                    lambda: self.tr("Timing"),
                    [
                        ("server", "pull_interval_s"),
                        ("server", "push_interval_s"),
                        ("server", "page_limit"),
                        ("server", "connect_timeout_s"),
                        ("server", "read_timeout_s"),
                        ("server", "backoff_initial_s"),
                        ("server", "backoff_max_s"),
                    ],
                ),
            ],
            data,
        )
        self.page.changed.connect(self.changed.emit)
        self.page.changed.connect(self._update_token)
        self.token_state = plain_label()
        self.token_state.setObjectName("tokenState")
        self.token_state.setWordWrap(True)
        self.test_button = qt.QPushButton()
        self.test_button.setObjectName("testConnection")
        self.test_button.clicked.connect(self.test_connection)
        self.test_state = plain_label()
        self.test_state.setObjectName("testState")
        self.test_state.setWordWrap(True)
        self.steps = qt.QVBoxLayout()
        self.step_labels: list[qt.QLabel] = []

        test_row = qt.QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.test_state, 1)
        layout = qt.QVBoxLayout(self)
        layout.addWidget(self.page, 1)
        layout.addWidget(self.token_state)
        layout.addLayout(test_row)
        layout.addLayout(self.steps)
        self._probed.connect(self._on_probed, qt.Qt.ConnectionType.QueuedConnection)
        self.retranslate()

    def retranslate(self) -> None:
        self.page.retranslate()
        self.test_button.setText(self.tr("&Test connection"))
        self.test_button.setToolTip(
            self.tr("Asks the server with the values above, saved or not: health, clock, and the token (1 parcel).")
        )
        token = self.page.field("server.token").editor
        assert isinstance(token, qt.QLineEdit)
        token.setPlaceholderText(self.tr("type a new token to replace the one in use; it is never shown"))
        self._update_token()
        self._show_answer()

    def reload(self, data: Mapping[str, Any]) -> None:
        self._data = data
        self.page.load(data)
        self._update_token()

    # ----- the token ----------------------------------------------------------------------------------------

    def _token_env(self) -> str:
        value = self.page.field("server.token_env").value()
        return value if isinstance(value, str) and value else DEFAULT_TOKEN_ENV

    def _update_token(self) -> None:
        """Whether a token is set, and where: never the token itself."""
        server = self._data.get("server", {})
        in_file = isinstance(server, dict) and bool(server.get("token"))
        name = self._token_env()
        in_env = bool(self._context.environ.get(name))
        typed = self.page.field("server.token").is_changed
        if typed:
            words = self.tr("A new token is typed in: it is written to the file when you save.")
        elif in_file:
            words = self.tr("A token is set in the file.")
        else:
            words = self.tr("No token is set in the file.")
        if in_env:
            words += " " + self.tr(
                "The environment variable %1 is set: its token is the one the station uses."
            ).replace("%1", name)
        elif not in_file and not typed:
            words += " " + self.tr("The environment variable %1 is not set either.").replace("%1", name)
        self.token_state.setText(words)

    def _token(self, server: ServerConfig) -> str | None:
        """The token a test uses: the one typed in, else the one the station would use (the environment's first)."""
        typed = self.page.field("server.token").value()
        if isinstance(typed, str) and typed:
            return typed
        return self._context.environ.get(server.token_env) or server.token

    # ----- the connection test ------------------------------------------------------------------------------

    def test_connection(self) -> None:
        config, errors = check_edits(self._data, str(self._context.config_path), self.page.all_edits())
        rest = self.page.show_errors(errors)
        if config is None:
            self._problem = (
                "\n".join(error_words(e) for e in rest)
                if rest
                else self.tr("Correct the settings marked in red first.")
            )
            self._answer = None
            self._show_answer()
            self.probe_answered.emit(None)
            return
        if config.server.url is None:
            self._problem = self.tr("No server URL is set: the station works offline.")
            self._answer = None
            self._show_answer()
            self.probe_answered.emit(None)
            return
        self._tries += 1
        number = self._tries
        token = self._token(config.server)
        probe, station_id = self._context.probe, config.station.id
        self._problem = ""
        self._answer = None
        self.test_state.setText(self.tr("Asking %1 ...").replace("%1", config.server.url))
        self.test_state.setStyleSheet("")
        self._clear_steps()

        def run() -> None:
            answer: ProbeReportShown | Exception
            try:
                answer = probe(config.server, token, station_id)
            except Exception as exc:  # probe_server never raises for the network; anything else is shown too
                log.exception("the connection test failed")
                answer = exc
            try:
                self._probed.emit(answer, number)
            except RuntimeError:  # the window was closed meanwhile: nobody is waiting for the answer
                pass

        threading.Thread(target=run, name="connection-test", daemon=True).start()

    def _on_probed(self, answer: ProbeReportShown | Exception, number: int) -> None:
        if number != self._tries:
            return  # an older test, overtaken by a newer one
        self._answer = answer
        self._show_answer()
        self.probe_answered.emit(None if isinstance(answer, Exception) else answer)

    def _clear_steps(self) -> None:
        for label in self.step_labels:
            self.steps.removeWidget(label)
            label.deleteLater()
        self.step_labels = []

    def _show_answer(self) -> None:
        answer = self._answer
        if self._problem:
            self._clear_steps()
            self.test_state.setText(self._problem)
            self.test_state.setStyleSheet(_BAD_STYLE)
            return
        if answer is None:
            if not self._tries:
                self.test_state.setText("")
            return
        self._clear_steps()
        if isinstance(answer, Exception):
            self.test_state.setText(self.tr("The test could not run: %1").replace("%1", in_words(answer)))
            self.test_state.setStyleSheet(_BAD_STYLE)
            return
        self.test_state.setText(answer.summary)
        self.test_state.setStyleSheet(_OK_STYLE if answer.ok else _BAD_STYLE)
        for step in answer.steps:
            mark = self.tr("OK") if step.ok else self.tr("PROBLEM")
            label = plain_label(f"{mark} · {step.name}: {step.words}")
            label.setObjectName("probeStep")
            label.setWordWrap(True)
            label.setStyleSheet(_OK_STYLE if step.ok else _BAD_STYLE)
            self.steps.addWidget(label)
            self.step_labels.append(label)

    def step_texts(self) -> list[str]:
        return [label.text() for label in self.step_labels]


__all__ = ["ServerTab"]
