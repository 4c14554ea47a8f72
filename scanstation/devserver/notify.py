"""What a customer is sent when a parcel arrives: the e-mail and the personal-account message, in Russian."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final

from scanstation.domain import AT_WAREHOUSE

SERVICE_NAMES_RU: Final = {
    "photo": "фото посылки",
    "photo_contents": "фото содержимого",
    "remove_invoice": "убрать счёт из посылки",
    "repack": "переупаковка",
    "check_contents": "проверка содержимого",
    "consolidate": "объединение посылок",
    "hold": "придержать на складе",
}
STATUS_NAMES_RU: Final = {"awaiting": "ОЖИДАЕМ", AT_WAREHOUSE: "НА СКЛАДЕ"}


def first_name(full_name: str) -> str:
    """The name to greet a customer by: the first word of what they entered."""
    words = full_name.split()
    return words[0] if words else full_name


def _when(occurred_at: str) -> str:
    try:
        moment = datetime.fromisoformat(occurred_at.replace("Z", "+00:00"))
    except ValueError:
        return occurred_at
    return moment.strftime("%d.%m.%Y в %H:%M (UTC)")


def arrival_texts(
    *,
    name: str,
    suite: str,
    tracking_number: str,
    order_number: str,
    store: str,
    services: Sequence[str],
    occurred_at: str,
) -> tuple[str, str, str]:
    """(e-mail subject, e-mail text, personal-account message) for a parcel that is now at the warehouse."""
    status = STATUS_NAMES_RU[AT_WAREHOUSE]
    origin = f"из магазина {store}" if store else ""
    order = f"(заказ {order_number})" if order_number else ""
    what = " ".join(part for part in (f"Ваша посылка {tracking_number}", origin, order) if part)
    subject = f"Посылка {tracking_number} {status}"
    service_list = ", ".join(SERVICE_NAMES_RU.get(code, code) for code in services)
    lines = [
        f"Здравствуйте, {first_name(name)}!",
        "",
        f"{what} {status}: мы получили её {_when(occurred_at)}.",
    ]
    if service_list:
        lines.append(f"Заказанные услуги: {service_list}. Мы выполним их до отправки.")
    lines += [
        f"Номер вашего ящика: {suite}.",
        "",
        "Посылка ждёт вас в личном кабинете: там можно заказать услуги, объединить посылки и оформить отправку.",
        "",
        "С уважением, служба доставки",
    ]
    account_message = f"{what} {status}. Ящик {suite}."
    return subject, "\n".join(lines), account_message
