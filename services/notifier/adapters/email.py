"""Email over SMTP (aiosmtplib: asyncio-native, so a slow mail server never blocks the worker's loop)."""

from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib

from ..domain.errors import DeliveryFailed, PermanentlyRefused, smtp_code_is_permanent


class SmtpMailer:
    def __init__(
        self,
        host: str,
        port: int,
        *,
        username: str | None = None,
        password: str | None = None,
        start_tls: bool = False,
        use_tls: bool = False,
        timeout: float = 10.0,
    ) -> None:
        self.host, self.port = host, port
        self.username, self.password = username, password
        self.start_tls, self.use_tls, self.timeout = start_tls, use_tls, timeout

    async def send(self, message: EmailMessage) -> None:
        try:
            refused, _ = await aiosmtplib.send(
                message,
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                start_tls=self.start_tls,
                use_tls=self.use_tls,
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            codes = [refused.code for refused in error.recipients]
            kind = PermanentlyRefused if codes and all(map(smtp_code_is_permanent, codes)) else DeliveryFailed
            raise kind(f"SMTP {type(error).__name__}: {error}") from error
        except aiosmtplib.SMTPResponseException as error:
            kind = PermanentlyRefused if smtp_code_is_permanent(error.code) else DeliveryFailed
            raise kind(f"SMTP {type(error).__name__}: {error}") from error
        except (aiosmtplib.SMTPException, OSError) as error:
            raise DeliveryFailed(f"SMTP {type(error).__name__}: {error}") from error
        # One recipient per message: a refusal of it is a failure (aiosmtplib raises when all are refused).
        if refused:
            raise DeliveryFailed(f"SMTP refused the recipient: {next(iter(refused.values()))}")
