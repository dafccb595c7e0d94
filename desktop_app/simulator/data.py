"""Sample data of the simulated PBX: staff, departments, numbers, clients, a month of calls.

Everything here is invented but shaped like a small Moscow company's PBX. The call
history is generated from a seed, so the same seed and the same "now" always give the
same month.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

# Russia keeps UTC+3 all year; "today" and working hours are Moscow time.
MOSCOW = timezone(timedelta(hours=3), "MSK")
HISTORY_DAYS = 31
RECORDS_PATH = "/records"


@dataclass(frozen=True)
class Employee:
    extension: str
    name: str
    group_id: int

    def to_api(self) -> dict:
        return {"extension": self.extension, "name": self.name}


@dataclass(frozen=True)
class Group:
    id: int
    extension: str
    name: str

    def to_api(self) -> dict:
        return {"id": self.id, "extension": self.extension, "name": self.name}


@dataclass(frozen=True)
class CompanyNumber:
    number: str
    name: str

    def to_api(self) -> dict:
        return {"number": self.number, "name": self.name}


@dataclass(frozen=True)
class Client:
    """A customer who calls and is called; ``manager`` is the responsible extension."""

    number: str
    name: str
    company: str
    manager: str


@dataclass(frozen=True)
class Campaign:
    """A robot calling campaign; ``answers`` are what the robot may hear as ``someAnswer``."""

    id: int
    name: str
    answers: tuple[str, ...]


GROUPS: tuple[Group, ...] = (
    Group(111, "700", "Отдел продаж"),
    Group(112, "720", "Служба поддержки"),
    Group(113, "730", "Бухгалтерия"),
)

EMPLOYEES: tuple[Employee, ...] = (
    Employee("701", "Иванов Пётр", 111),
    Employee("702", "Смирнова Анна", 111),
    Employee("703", "Кузнецов Алексей", 111),
    Employee("704", "Попова Екатерина", 111),
    Employee("705", "Васильев Дмитрий", 111),
    Employee("706", "Соколова Мария", 112),
    Employee("707", "Михайлов Сергей", 112),
    Employee("708", "Новикова Ольга", 112),
    Employee("709", "Фёдоров Андрей", 112),
    Employee("710", "Морозова Татьяна", 113),
    Employee("711", "Волков Игорь", 113),
    Employee("712", "Лебедева Наталья", 113),
)

NUMBERS: tuple[CompanyNumber, ...] = (
    CompanyNumber("74951112233", "Основной номер"),
    CompanyNumber("74952302344", "Отдел продаж"),
    CompanyNumber("78005553535", "Бесплатная линия"),
    CompanyNumber("78123334455", "Санкт-Петербург"),
)
MAIN_NUMBER = NUMBERS[0].number

CLIENTS: tuple[Client, ...] = (
    Client("79991234567", "Петров Иван Сергеевич", "ООО «Ромашка»", "701"),
    Client("79161112233", "Сидорова Елена Викторовна", "ИП Сидорова Е. В.", "702"),
    Client("79035556677", "Орлов Константин", "АО «Северный ветер»", "703"),
    Client("79263334455", "Белова Ирина Павловна", "ООО «Технопарк»", "701"),
    Client("79857778899", "Григорьев Михаил", "ООО «Стройресурс»", "704"),
    Client("79672223344", "Захарова Светлана", "", "705"),
    Client("79124445566", "Комаров Николай Иванович", "ООО «Уралснаб»", "702"),
    Client("79219990011", "Тихонова Дарья", "ООО «Невские окна»", "703"),
    Client("74957654321", "", "ГБУ «Жилищник района Арбат»", "704"),
    Client("79031230000", "Егоров Павел", "", "706"),
    Client("79154567890", "Мельникова Юлия", "ООО «Пекарня у дома»", "707"),
    Client("79608887766", "Степанов Виктор", "ООО «Автолайн»", "708"),
    Client("78432223311", "", "ООО «Казанские узоры»", "709"),
    Client("79297001122", "Павлова Алина", "", "701"),
)

# Numbers nobody has saved yet: callers the CRM does not know.
STRANGERS: tuple[str, ...] = (
    "79995550101",
    "79261239876",
    "79175554433",
    "79814443322",
    "79506667788",
)

CAMPAIGNS: tuple[Campaign, ...] = (
    Campaign(1, "Напоминание о записи", ("согласен", "перенести", "отказ")),
    Campaign(2, "Опрос качества обслуживания", ("отлично", "хорошо", "плохо")),
)


def new_call_id(rng: random.Random) -> str:
    """16 hex digits, as the PBX's ids look (``06ae768a3ca234f0``)."""
    return f"{rng.getrandbits(64):016x}"


def record_url(base_url: str, domain: str, call_id: str) -> str:
    return f"{base_url.rstrip('/')}{RECORDS_PATH}/{domain}/{call_id}.wav"


def api_time(moment: datetime) -> str:
    """``2024-03-15T06:52:19Z``: the form the PBX's history uses."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class CallRecord:
    """One call in the PBX's history. ``answered=False`` with ``direction="in"`` is a missed call."""

    id: str
    direction: str  # "in" | "out"
    answered: bool
    account: str  # the employee's extension
    client: str
    via: str  # company number called, or the caller ID used
    start: datetime  # aware, UTC
    wait: int
    duration: int
    recorded: bool

    @property
    def kind(self) -> str:
        """The history ``type``: "in", "out" or "missed"."""
        if self.direction == "in" and not self.answered:
            return "missed"
        return self.direction

    def to_api(self, base_url: str, domain: str) -> dict:
        item = {
            "id": self.id,
            "type": self.kind,
            "account": self.account,
            "client": self.client,
            "via": self.via,
            "start": api_time(self.start),
            "wait": self.wait,
            "duration": self.duration,
        }
        if self.recorded:
            item["record"] = record_url(base_url, domain, self.id)
        return item


def _working_moment(rng: random.Random, day: datetime) -> datetime:
    """A moment between 9:00 and 19:00 Moscow time on ``day``, calls crowding before noon."""
    minutes = min(599, int(rng.triangular(0, 600, 150)))
    return datetime.combine(day.date(), time(9, 0), MOSCOW) + timedelta(minutes=minutes, seconds=rng.randrange(60))


def random_call(rng: random.Random, start: datetime) -> CallRecord:
    """A believable call at ``start``: who, which way, how long."""
    employee = rng.choice(EMPLOYEES)
    known = rng.random() < 0.7
    client = rng.choice(CLIENTS).number if known else rng.choice(STRANGERS)
    direction = "in" if rng.random() < 0.6 else "out"
    if direction == "in":
        answered = rng.random() > 0.18
        via = rng.choice(NUMBERS).number
    else:
        answered = rng.random() > 0.12  # unanswered outgoing: nobody picked up
        via = MAIN_NUMBER if employee.group_id != 111 else NUMBERS[1].number
    wait = rng.randint(3, 25) if answered else rng.randint(15, 45)
    duration = int(rng.lognormvariate(4.6, 0.8)) + 5 if answered else 0
    return CallRecord(
        id=new_call_id(rng),
        direction=direction,
        answered=answered,
        account=employee.extension,
        client=client,
        via=via,
        start=start.astimezone(timezone.utc),
        wait=wait,
        duration=duration,
        recorded=answered,
    )


def generate_history(now: datetime, seed: int, days: int = HISTORY_DAYS) -> list[CallRecord]:
    """Calls of the last ``days`` days up to ``now``, oldest first; deterministic in (now, seed)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    rng = random.Random(seed)
    today = now.astimezone(MOSCOW)
    calls: list[CallRecord] = []
    for back in range(days, -1, -1):
        day = today - timedelta(days=back)
        weekend = day.weekday() >= 5
        count = rng.randint(0, 4) if weekend else rng.randint(12, 28)
        for _ in range(count):
            moment = _working_moment(rng, day)
            if moment <= now:
                calls.append(random_call(rng, moment))
    calls.sort(key=lambda call: call.start)
    return calls
