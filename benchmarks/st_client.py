"""A viewer of a Streamlit app without a browser: it speaks the app's own protocol (protobuf
messages over the `/_stcore/stream` WebSocket), as the browser does, and keeps only what a
benchmark needs — when each script run finishes, which elements it sent, the widgets it can
fill in and the fragments the app asks to rerun.

    session = await Session.open(base, "screen", "hall=H01&kiosk=…")
    await session.run()                              # the first run: page, figures, fragments
    await session.rerun(fragment_id=session.auto_reruns[0][1])   # what the page's timer does
    await session.close()

It costs a few milliseconds of CPU per run where a headless Chromium costs seconds, so many
viewers on one machine measure the server rather than the browsers (a hall's screens are
separate computers). What it cannot tell is how long a browser takes to draw the page.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

FINISHED = {
    ForwardMsg.FINISHED_SUCCESSFULLY,
    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
}


class RunFailed(RuntimeError):
    """The app showed an exception, or the script did not compile."""


@dataclass
class Run:
    """One script run as the viewer saw it."""

    seconds: float
    elements: list[tuple[str, object]]  # (element type, element), in the order sent

    def count(self, kind: str) -> int:
        return sum(1 for k, _ in self.elements if k == kind)


@dataclass
class Session:
    ws: object
    url: str
    page_name: str
    query: str
    page_script_hash: str = ""
    widgets: dict[str, WidgetState] = field(default_factory=dict)
    auto_reruns: list[tuple[float, str]] = field(default_factory=list)  # (interval s, fragment)
    inputs: dict[str, str] = field(default_factory=dict)  # label → widget id (text inputs)
    buttons: dict[str, str] = field(default_factory=dict)  # label → widget id
    exceptions: list[str] = field(default_factory=list)

    @classmethod
    async def open(cls, base: str, page_name: str, query: str = "", timeout: float = 300):
        ws_url = base.replace("http://", "ws://", 1) + "/_stcore/stream"
        ws = await websockets.connect(
            ws_url,
            subprotocols=["streamlit"],
            origin=base,
            max_size=None,
            open_timeout=timeout,
            ping_interval=None,
        )
        return cls(ws=ws, url=f"{base}/{page_name}", page_name=page_name, query=query)

    def _client_state(self, fragment_id: str = "", auto: bool = False):
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query
        state.page_script_hash = self.page_script_hash
        state.page_name = "" if self.page_script_hash else self.page_name
        state.fragment_id = fragment_id
        state.is_auto_rerun = auto
        state.widget_states.widgets.extend(self.widgets.values())
        info = state.context_info
        info.timezone = "Asia/Shanghai"
        info.timezone_offset = -480
        info.locale = "zh-CN"
        info.url = self.url
        return msg

    async def run(
        self,
        fragment_id: str = "",
        auto: bool = False,
        until=None,
        timeout: float = 300,
    ) -> Run:
        """Ask for a run (the whole page, or one fragment) and read until it has finished:
        until a run finishes successfully and, with `until`, until `until(elements)` holds
        (a sign-in reruns the page by itself before the figures come)."""
        started = time.perf_counter()
        await self.ws.send(self._client_state(fragment_id, auto).SerializeToString())
        elements: list[tuple[str, object]] = []
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{self.page_name}: no finished run in {timeout:g} s")
            raw = await asyncio.wait_for(self.ws.recv(), remaining)
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            kind = msg.WhichOneof("type")
            if kind == "new_session":
                self.page_script_hash = msg.new_session.page_script_hash
            elif kind == "page_info_changed":
                pass
            elif kind == "auto_rerun":
                entry = (msg.auto_rerun.interval, msg.auto_rerun.fragment_id)
                if entry not in self.auto_reruns:
                    self.auto_reruns.append(entry)
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                etype = element.WhichOneof("type")
                value = getattr(element, etype) if etype else None
                elements.append((etype, value))
                self._note(etype, value)
            elif kind == "script_finished":
                status = msg.script_finished
                if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    raise RunFailed(f"{self.page_name}: the script did not compile")
                if status in FINISHED and (until is None or until(elements)):
                    if self.exceptions:
                        raise RunFailed(f"{self.page_name}: {self.exceptions[0]}")
                    return Run(time.perf_counter() - started, elements)

    def _note(self, etype: str | None, value) -> None:
        if etype == "exception":
            self.exceptions.append(f"{value.type}: {value.message}"[:300])
        elif etype == "text_input":
            self.inputs[value.label] = value.id
        elif etype == "button":
            self.buttons[value.label] = value.id

    async def sign_in(self, login: str, password: str, until, timeout: float = 300) -> Run:
        """Fill in the sign-in form (用户名, 密码) and press 登录, as a person would."""
        for label, text in (("用户名", login), ("密码", password)):
            state = WidgetState(id=self.inputs[label])
            state.string_value = text
            self.widgets[state.id] = state
        press = WidgetState(id=self.buttons["登录"], trigger_value=True)
        self.widgets[press.id] = press
        try:
            return await self.run(until=until, timeout=timeout)
        finally:
            self.widgets.pop(press.id, None)  # a trigger is pressed once

    async def close(self) -> None:
        await self.ws.close()
