"""Where alerts go: the DingTalk group robot (钉钉自定义机器人, with the signed webhook), the
WeCom group robot (企业微信群机器人) and e-mail over SMTP.

`send(channel, message)` returns nothing on success and raises `ChannelError` with a short
reason otherwise: a refused connection, a timeout, an HTTP status other than 2xx, a JSON answer
whose `errcode` is not 0 (both robots answer HTTP 200 with an errcode when they refuse), an SMTP
error.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
import ssl
import time
import urllib.error
import urllib.request
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import quote_plus

from alerts.messages import Message
from alerts.rules import Channel

USER_AGENT = "HallPulse-alerts/1"


class ChannelError(Exception):
    """Sending failed; the message says why (it is recorded with the alert)."""


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's 加签: base64(HMAC-SHA256(key=secret, f"{timestamp}\\n{secret}")), URL-encoded."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), to_sign, digestmod=hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


def dingtalk_url(url: str, secret: str, timestamp_ms: int | None = None) -> str:
    """The webhook with `&timestamp=…&sign=…` appended when the robot has a secret."""
    if not secret:
        return url
    stamp = int(time.time() * 1000) if timestamp_ms is None else timestamp_ms
    glue = "&" if "?" in url else "?"
    return f"{url}{glue}timestamp={stamp}&sign={dingtalk_sign(secret, stamp)}"


def dingtalk_payload(message: Message) -> dict:
    return {"msgtype": "markdown", "markdown": {"title": message.title, "text": message.markdown()}}


def wecom_payload(message: Message) -> dict:
    return {"msgtype": "markdown", "markdown": {"content": message.markdown()}}


def post_json(url: str, payload: dict, timeout_s: float) -> dict:
    """POST JSON; the parsed answer. ChannelError on a network error, a non-2xx status, or a
    JSON answer with a non-zero `errcode`."""
    request = urllib.request.Request(
        url,
        data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as exc:
        text = exc.read()[:200].decode("utf-8", "replace")
        raise ChannelError(f"HTTP {exc.code}: {text or exc.reason}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ChannelError(f"cannot reach {_host(url)}: {reason}") from None
    if not 200 <= status < 300:
        raise ChannelError(f"HTTP {status}: {body[:200].decode('utf-8', 'replace')}")
    try:
        answer = json.loads(body.decode("utf-8")) if body.strip() else {}
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ChannelError(f"not a JSON answer: {body[:200]!r}") from None
    if isinstance(answer, dict) and answer.get("errcode", 0) != 0:
        raise ChannelError(f"errcode {answer.get('errcode')}: {answer.get('errmsg', '')}")
    return answer if isinstance(answer, dict) else {}


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).netloc or url


def email_message(channel: Channel, message: Message) -> EmailMessage:
    mail = EmailMessage()
    mail["Subject"] = message.title
    mail["From"] = channel.sender
    mail["To"] = ", ".join(channel.to)
    mail["Date"] = formatdate(localtime=True)
    mail["Message-ID"] = make_msgid(domain=channel.sender.rsplit("@", 1)[-1])
    mail.set_content(message.text())
    return mail


def send_email(channel: Channel, message: Message) -> None:
    """One e-mail to the channel's recipients: SSL from the start (`security = "ssl"`), or
    STARTTLS (`"starttls"`), or plain (`"none"`, a relay inside the network); login when a
    username is given. The server's certificate is verified (system CAs, or `ca_file`)."""
    mail = email_message(channel, message)
    host, port, timeout = channel.host, channel.smtp_port, channel.timeout_s
    try:
        # certificates are always verified: against the system's CAs, or `ca_file`
        context = ssl.create_default_context(cafile=channel.ca_file or None)
        if channel.security == "ssl":
            smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        with smtp:
            if channel.security == "starttls":
                smtp.starttls(context=context)
            if channel.username:
                smtp.login(channel.username, channel.password)
            refused = smtp.send_message(mail)
    except smtplib.SMTPException as exc:
        raise ChannelError(f"SMTP {host}:{port}: {exc}") from None
    except ssl.SSLError as exc:  # before OSError, its base: a certificate not trusted, …
        raise ChannelError(f"TLS with SMTP {host}:{port}: {exc}") from None
    except (OSError, TimeoutError) as exc:
        raise ChannelError(f"cannot reach SMTP {host}:{port}: {exc}") from None
    if refused:
        raise ChannelError(f"SMTP refused {', '.join(sorted(refused))}")


def send(channel: Channel, message: Message) -> None:
    """Send one message through the channel; ChannelError when it did not go out."""
    if channel.kind == "dingtalk":
        post_json(
            dingtalk_url(channel.url, channel.secret), dingtalk_payload(message), channel.timeout_s
        )
    elif channel.kind == "wecom":
        post_json(channel.url, wecom_payload(message), channel.timeout_s)
    elif channel.kind == "email":
        send_email(channel, message)
    else:  # rules.py admits no other kind
        raise ChannelError(f"unknown channel kind {channel.kind!r}")
