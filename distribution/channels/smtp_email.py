"""E-mail over SMTP: a text and an HTML part, one-click unsubscribe headers.

Each message carries ``List-Unsubscribe: <url>`` and, for https URLs,
``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` (RFC 8058), which large
mailbox providers require from bulk senders. The ``Message-ID`` is derived
from the idempotency key, so a retry after a lost SMTP response carries the
same id and receivers (and our own bounce handling) recognise the duplicate.
One SMTP connection is kept open per channel and reused between messages.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import logging
import re
import smtplib
import ssl
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, parseaddr
from typing import ClassVar, Literal

from .base import Channel
from .errors import ChannelConfigurationError, PermanentChannelError, RetryableChannelError
from .masking import mask_address
from .messages import DeliveryOutcome, OutgoingMessage, SendResult

__all__ = ["EmailConfig", "EmailChannel", "EmailBody", "NoticeWording", "render_notice_email", "message_id_for"]

logger = logging.getLogger(__name__)

_ADDRESS = re.compile(
    r"^[^@\s<>\"',;]+@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)+$"
)


@dataclass(frozen=True)
class EmailBody:
    subject: str
    text: str
    html: str


EmailRenderer = Callable[[OutgoingMessage], EmailBody]


@dataclass(frozen=True)
class EmailConfig:
    """SMTP relay and sender identity."""

    from_address: str  # "科普工作室 <kepu@hospital.example.cn>"
    host: str = "localhost"
    port: int = 587
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: str = ""
    password: str = ""
    reply_to: str = ""
    message_id_domain: str = ""  # defaults to the sender's domain
    timeout_s: float = 15.0
    # "console": print each message to standard output instead of relaying it (development and demos, like
    # Django's console e-mail backend); the recipient is masked there, since that output ends up in logs.
    transport: Literal["smtp", "console"] = "smtp"

    def __post_init__(self) -> None:
        name, address = parseaddr(self.from_address)
        if not _ADDRESS.match(address or ""):
            raise ValueError(f"EmailConfig.from_address is not a valid address: {self.from_address!r}")
        if self.transport not in ("smtp", "console"):
            raise ValueError("EmailConfig.transport must be 'smtp' or 'console'")
        if self.security not in ("starttls", "ssl", "none"):
            raise ValueError("EmailConfig.security must be 'starttls', 'ssl' or 'none'")
        if not 0 < self.port < 65536:
            raise ValueError("EmailConfig.port must be between 1 and 65535")
        if bool(self.username) != bool(self.password):
            raise ValueError("EmailConfig needs both username and password, or neither")
        if self.username and self.security == "none":
            raise ValueError("EmailConfig refuses to send SMTP credentials without TLS (security='none')")
        if not self.message_id_domain:
            object.__setattr__(self, "message_id_domain", address.rpartition("@")[2])

    @property
    def envelope_sender(self) -> str:
        return parseaddr(self.from_address)[1]

    def __repr__(self) -> str:
        return (
            f"EmailConfig(from_address={self.from_address!r}, host={self.host!r}, port={self.port}, "
            f"security={self.security!r}, password='***')"
        )


def message_id_for(idempotency_key: str, domain: str) -> str:
    """A stable Message-ID for every attempt of one delivery (the key itself stays private)."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
    return f"<{digest}@{domain}>"


@dataclass(frozen=True, slots=True)
class NoticeWording:
    """The fixed words around a notice, in the message's language (the caller translates them)."""

    read: str = "Read the article"
    unsubscribe: str = "Unsubscribe from these e-mails"
    footer: str = "You receive this e-mail because you subscribed to health education updates."


NoticeWordingFor = Callable[[str], NoticeWording]


def render_notice_email(message: OutgoingMessage, wording: NoticeWording | None = None) -> EmailBody:
    """The default notice: title, summary, a link to the article and the unsubscribe link."""
    words = wording or NoticeWording()
    strings = {"read": words.read, "unsubscribe": words.unsubscribe, "footer": words.footer}
    text_lines = [message.title, ""]
    if message.summary:
        text_lines += [message.summary, ""]
    text_lines += [f"{strings['read']}: {message.url}", "", "--", strings["footer"]]
    if message.unsubscribe_url:
        text_lines.append(f"{strings['unsubscribe']}: {message.unsubscribe_url}")
    esc = html.escape
    lang = "zh-Hans" if message.is_chinese else "en"
    summary = f"<p>{esc(message.summary)}</p>" if message.summary else ""
    unsubscribe = (
        f'<p><a href="{esc(message.unsubscribe_url)}">{esc(strings["unsubscribe"])}</a></p>'
        if message.unsubscribe_url
        else ""
    )
    html_body = (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{esc(message.title)}</title></head>'
        f'<body style="font-family:sans-serif;line-height:1.6;max-width:40em">'
        f'<h1 style="font-size:1.4em">{esc(message.title)}</h1>{summary}'
        f'<p><a href="{esc(message.url)}">{esc(strings["read"])}</a></p>'
        f'<hr><p style="color:#666;font-size:0.85em">{esc(strings["footer"])}</p>{unsubscribe}</body></html>'
    )
    return EmailBody(subject=message.title, text="\n".join(text_lines) + "\n", html=html_body)


class EmailChannel(Channel):
    """Notices by e-mail through an SMTP relay."""

    kind: ClassVar[str] = "email"

    def __init__(
        self,
        config: EmailConfig,
        *,
        renderer: EmailRenderer = render_notice_email,
        wording: NoticeWordingFor | None = None,
    ):
        """``wording(language)`` gives the default notice's fixed words in the message's language."""
        self.config = config
        if wording is not None and renderer is render_notice_email:
            self._renderer: EmailRenderer = lambda message: render_notice_email(message, wording(message.language))
        else:
            self._renderer = renderer
        self._connection: smtplib.SMTP | None = None
        self._lock = threading.Lock()

    def build_message(self, message: OutgoingMessage) -> EmailMessage:
        """The MIME message for ``message`` (multipart/alternative, text first)."""
        if not _ADDRESS.match(message.address) or getaddresses([message.address])[0][1] != message.address:
            raise PermanentChannelError("recipient e-mail address is not valid")
        if not message.unsubscribe_url:
            raise PermanentChannelError("e-mail notices need an unsubscribe_url (List-Unsubscribe is mandatory)")
        body = self._renderer(message)
        email = EmailMessage()
        email["Subject"] = " ".join(body.subject.split())
        email["From"] = self.config.from_address
        email["To"] = Address(addr_spec=message.address)
        if self.config.reply_to:
            email["Reply-To"] = self.config.reply_to
        email["Date"] = formatdate(localtime=False, usegmt=True)
        email["Message-ID"] = message_id_for(message.idempotency_key, self.config.message_id_domain)
        email["Content-Language"] = message.language
        email["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        if message.unsubscribe_url.startswith("https://"):
            email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        email["Auto-Submitted"] = "auto-generated"
        email.set_content(body.text)
        email.add_alternative(body.html, subtype="html")
        return email

    def send(self, message: OutgoingMessage) -> SendResult:
        email = self.build_message(message)
        to = mask_address("email", message.address)
        if self.config.transport == "console":
            return self._print(email, to)
        with self._lock:
            for attempt in (1, 2):
                reused = self._connection is not None
                try:
                    self._deliver(email, message.address)
                    break
                except (smtplib.SMTPServerDisconnected, ConnectionError) as exc:
                    self._drop_connection()
                    if reused and attempt == 1:
                        continue  # the relay closed our idle connection: one fresh attempt
                    raise self._transport_error(exc) from None
                except smtplib.SMTPException as exc:
                    self._discard_on_protocol_error(exc)
                    logger.warning("email failed key=%s to=%s: %s", message.idempotency_key, to, type(exc).__name__)
                    raise classify_smtp_error(exc) from None
                except OSError as exc:
                    self._drop_connection()
                    raise self._transport_error(exc) from None
        message_id = email["Message-ID"]
        logger.info("email accepted key=%s to=%s message_id=%s", message.idempotency_key, to, message_id)
        return SendResult(DeliveryOutcome.ACCEPTED, provider_message_id=message_id, detail="accepted by the SMTP relay")

    def _print(self, email: EmailMessage, masked_to: str) -> SendResult:
        email.replace_header("To", masked_to)
        with self._lock:
            sys.stdout.write(email.as_string() + "\n" + "-" * 79 + "\n")
            sys.stdout.flush()
        return SendResult(
            DeliveryOutcome.ACCEPTED, provider_message_id=email["Message-ID"], detail="printed to the console"
        )

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                with contextlib.suppress(smtplib.SMTPException, OSError):
                    self._connection.quit()
                self._drop_connection()

    def _deliver(self, email: EmailMessage, recipient: str) -> None:
        connection = self._connection or self._connect()
        self._connection = connection
        connection.send_message(email, from_addr=self.config.envelope_sender, to_addrs=[recipient])

    def _connect(self) -> smtplib.SMTP:
        cfg = self.config
        context = ssl.create_default_context()
        if cfg.security == "ssl":
            connection: smtplib.SMTP = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout_s, context=context)
        else:
            connection = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout_s)
        try:
            connection.ehlo()
            if cfg.security == "starttls":
                connection.starttls(context=context)
                connection.ehlo()
            if cfg.username:
                connection.login(cfg.username, cfg.password)
        except BaseException:
            connection.close()
            raise
        return connection

    def _drop_connection(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(OSError):
                self._connection.close()
        self._connection = None

    def _discard_on_protocol_error(self, exc: smtplib.SMTPException) -> None:
        # smtplib resets the transaction after refused recipients and data errors;
        # anything else (auth, TLS, unexpected replies) leaves the session in doubt.
        if not isinstance(exc, (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused)):
            self._drop_connection()

    def _transport_error(self, exc: BaseException) -> RetryableChannelError:
        cfg = self.config
        if isinstance(exc, ConnectionRefusedError):
            what = "connection refused"
        elif isinstance(exc, TimeoutError):
            what = f"no answer within {cfg.timeout_s:g}s"
        elif isinstance(exc, smtplib.SMTPServerDisconnected):
            what = "server closed the connection"
        else:
            what = f"{type(exc).__name__}"
        return RetryableChannelError(f"SMTP relay {cfg.host}:{cfg.port} unreachable: {what}", 60.0)


def classify_smtp_error(exc: smtplib.SMTPException) -> Exception:
    """Map an SMTP reply to retryable (4xx) or permanent (5xx), without echoing addresses."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, _ = next(iter(exc.recipients.values()), (0, b""))
        if 400 <= code < 500:
            return RetryableChannelError(f"SMTP relay deferred the recipient ({code})", 300.0, provider_code=str(code))
        return PermanentChannelError(f"SMTP relay refused the recipient ({code})", provider_code=str(code))
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return ChannelConfigurationError(f"SMTP login rejected ({exc.smtp_code})", provider_code=str(exc.smtp_code))
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return ChannelConfigurationError("SMTP relay does not support a required extension (STARTTLS or AUTH)")
    if isinstance(exc, smtplib.SMTPResponseException):
        code = exc.smtp_code
        if 400 <= code < 500:
            return RetryableChannelError(f"SMTP relay answered {code} (temporary)", 120.0, provider_code=str(code))
        if isinstance(exc, smtplib.SMTPSenderRefused):
            return ChannelConfigurationError(f"SMTP relay refused our sender address ({code})", provider_code=str(code))
        return PermanentChannelError(f"SMTP relay rejected the message ({code})", provider_code=str(code))
    return RetryableChannelError(f"SMTP failure ({type(exc).__name__})", 120.0)
