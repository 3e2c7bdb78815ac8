"""A realistic Russian amoCRM-style CRM, generated in code (no committed blob).

Two layers:

* `generate(n_deals, seed, problems)` simulates a sales team in canonical tables (deals,
  stage_history, activities; the columns of `audit.model.SCHEMA`), vectorized with numpy
  so a million deals take seconds. `problems=False` is a healthy CRM (result-named stages,
  a contact logged before every stage change, a reason on every loss, every channel used
  by everyone); `problems=True` plants the faults the catalogue looks for, each with the
  ids it planted in `DemoData.planted`.
* `write_demo(folder, seed)` writes the problem data as amoCRM exports: deals.csv
  (Windows-1251, ';', amoCRM headers) and events.csv ("Список событий", UTF-8 with BOM),
  plus a crm-audit.toml with the stage order next to the export folder.

The simulation runs in *business time*: float working days since START (Mon 09:00), ten
working hours a day, five days a week. `_clock` maps it monotonically onto calendar time,
so an order of events in business time is the same order on the clock.
"""

from __future__ import annotations

import codecs
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from audit.model.keys import arrow_text
from audit.model import CrmData

INBOX = "Неразобранное"              # amoCRM's inbox: requests land here before a manager takes them
WON_STAGE = "Успешно реализовано"
LOST_STAGE = "Закрыто и не реализовано"

START = pd.Timestamp("2025-11-24")    # a Monday: business day 0 starts at 09:00
WORK_DAYS = 260                       # about twelve months
END_B = WORK_DAYS - 0.1               # the export's moment: Friday 2026-11-20, 18:00
CAL_TO_BD = 5 / 7                     # calendar days -> business days (for day thresholds)
DWELL_SIGMA = 0.6
DWELL_CAP = 18.0                      # business days (< 27 calendar days): a healthy CRM closes stale deals
DEAL_ID_BASE = 31_200_000
CONFIG_NAME = "crm-audit.toml"
DEAL_URL = "https://demo.amocrm.ru/leads/detail/{id}"

# -- stages: advance probability and median dwell (business days) ------------------------------

STAGES: dict[str, tuple[float, float]] = {
    INBOX: (1.0, 0.1),
    "Первичный контакт": (0.78, 2.0),
    "Квалификация проведена": (0.80, 3.0),
    "В работе": (0.80, 3.0),
    "КП отправлено": (0.66, 4.0),
    "Возражения": (0.75, 3.0),
    "Счёт выставлен": (0.86, 3.0),
    "Думает": (0.80, 4.0),
    "Договор подписан": (0.95, 2.5),
    "Встреча проведена": (0.65, 3.0),
    "Тендер найден": (0.72, 3.0),
    "Документация изучена": (0.75, 5.0),
    "Заявка подана": (0.50, 8.0),
    "Контракт направлен на подпись": (0.93, 4.0),
}
STAGE_NAMES = tuple(STAGES)
SIDX = {name: i for i, name in enumerate(STAGE_NAMES)}
P_ADVANCE = np.array([STAGES[s][0] for s in STAGE_NAMES])
DWELL_MEDIAN = np.array([STAGES[s][1] for s in STAGE_NAMES])
VAGUE_STAGES = ("В работе", "Возражения", "Думает")

PK, VR, KP, OBJ, INV, THINK, CONTRACT = ("Первичный контакт", "В работе", "КП отправлено", "Возражения",
                                         "Счёт выставлен", "Думает", "Договор подписан")
MAIN_ROUTE = (PK, VR, KP, INV, CONTRACT)
THINK_ROUTE = (PK, VR, KP, INV, THINK, CONTRACT)


@dataclass(frozen=True)
class PipelineSpec:
    name: str
    declared: tuple[str, ...] | None      # stage order written to crm-audit.toml (None: not declared)
    routes: tuple[tuple[tuple[str, ...], float], ...]  # paths deals take, with their weights
    share: float
    amount_median: float
    inbox_share: float
    reasons: tuple[tuple[str, float], ...]
    products: tuple[str, ...]
    title_prefix: str = ""


PRODUCTS = ("Поставка оборудования", "Партия расходных материалов", "Монтаж вентиляции", "Сервисный договор",
            "Поставка стеллажей", "Видеонаблюдение на складе", "Запчасти для линии", "Поставка кабеля",
            "Обучение персонала", "Пусконаладочные работы", "Модернизация котельной", "Лицензии и внедрение")
SALES_REASONS = (("Дорого", 0.24), ("Выбрали конкурента", 0.2), ("Нет бюджета", 0.15),
                 ("Не устроили сроки поставки", 0.1), ("Нет потребности", 0.09),
                 ("Не прошли по техническим требованиям", 0.08), ("Остались с текущим поставщиком", 0.08),
                 ("Не устроили условия оплаты", 0.06))
TENDER_REASONS = (("Проиграли по цене", 0.45), ("Не допущены к торгам", 0.2), ("Тендер отменён заказчиком", 0.15),
                  ("Не успели подготовить заявку", 0.2))
VAGUE_REASONS = ("Прочее", "думает", "не актуально", "-")

CLEAN_SALES = PipelineSpec(
    name="Продажи", declared=(INBOX, PK, "Квалификация проведена", KP, INV, CONTRACT),
    routes=(((PK, "Квалификация проведена", KP, INV, CONTRACT), 1.0),),
    share=0.8, amount_median=150_000, inbox_share=0.3, reasons=SALES_REASONS, products=PRODUCTS)
TENDERS = PipelineSpec(
    name="Тендеры", declared=("Тендер найден", "Документация изучена", "Заявка подана",
                              "Контракт направлен на подпись"),
    routes=((("Тендер найден", "Документация изучена", "Заявка подана", "Контракт направлен на подпись"), 1.0),),
    share=0.2, amount_median=1_200_000, inbox_share=0.0, reasons=TENDER_REASONS, products=PRODUCTS,
    title_prefix="Тендер: ")
# The problem CRM: a sales pipeline with state-named stages ("В работе", "Возражения", "Думает"),
# a near-copy of it for wholesale, one manager's private pipeline, and a stage nobody uses.
SALES_ROUTES = (
    (MAIN_ROUTE, 0.42),
    ((PK, VR, KP, OBJ, KP, INV, CONTRACT), 0.20),   # objection, proposal re-sent: back to КП
    ((PK, VR, KP, OBJ, INV, CONTRACT), 0.10),
    ((PK, VR, OBJ, KP, INV, CONTRACT), 0.05),
    ((PK, VR, KP, INV, OBJ, INV, CONTRACT), 0.06),  # objection after the invoice
    (THINK_ROUTE, 0.17),
)
DEAD_STAGE = "Оплата получена"
SALES = PipelineSpec(
    name="Продажи", declared=(INBOX, PK, VR, KP, OBJ, INV, THINK, CONTRACT, DEAD_STAGE), routes=SALES_ROUTES,
    share=0.6, amount_median=150_000, inbox_share=0.3, reasons=SALES_REASONS, products=PRODUCTS)
WHOLESALE = PipelineSpec(
    name="Опт", declared=(INBOX, PK, VR, KP, OBJ, INV, THINK, CONTRACT), routes=SALES_ROUTES,
    share=0.2, amount_median=400_000, inbox_share=0.2, reasons=SALES_REASONS,
    products=("Оптовая партия", *PRODUCTS[:4]))
PERSONAL = PipelineSpec(
    name="Воронка Петрова", declared=None, routes=(((PK, "Встреча проведена", INV), 1.0),),
    share=0.05, amount_median=80_000, inbox_share=0.0, reasons=SALES_REASONS, products=PRODUCTS)

# -- people ------------------------------------------------------------------------------------

OWNERS = ("Петров Игорь", "Иванова Анна", "Смирнов Дмитрий", "Кузнецова Елена", "Васильев Андрей",
          "Соколова Мария", "Михайлов Сергей", "Новикова Ольга")
# Planted roles (problems=True), by index into OWNERS.
PERSONAL_OWNER, WEAK_AT_KP, NO_EMAIL, SILENT_LOGGER, BULK_CREATOR, NEVER_LOSES = 0, 2, 3, 4, 5, 6
# Healthy spread: win rates about 25-39 %, activity logging within +-15 % of each other.
SKILL = np.array([1.0, 1.03, 0.97, 0.95, 0.99, 1.02, 1.0, 0.96])
LOGGING = np.array([1.0, 0.92, 1.08, 0.95, 1.04, 0.88, 1.12, 0.97])

MALE_NAMES = ("Алексей", "Андрей", "Артём", "Борис", "Вадим", "Виктор", "Владимир", "Георгий", "Денис",
              "Евгений", "Иван", "Игорь", "Кирилл", "Константин", "Максим", "Михаил", "Никита", "Николай",
              "Олег", "Павел", "Роман", "Руслан", "Сергей", "Станислав", "Тимур", "Фёдор", "Юрий", "Ярослав",
              "Григорий", "Леонид")
FEMALE_NAMES = ("Алина", "Анастасия", "Валентина", "Вера", "Виктория", "Галина", "Дарья", "Екатерина",
                "Елизавета", "Жанна", "Зоя", "Ирина", "Кристина", "Ксения", "Лариса", "Любовь", "Людмила",
                "Марина", "Надежда", "Наталья", "Оксана", "Полина", "Светлана", "Софья", "Татьяна", "Ульяна",
                "Юлия", "Яна", "Нина", "Вероника")
SURNAMES = ("Абрамов", "Алексеев", "Андреев", "Баранов", "Белов", "Беляев", "Богданов", "Борисов", "Воробьёв",
            "Гаврилов", "Голубев", "Григорьев", "Гусев", "Давыдов", "Денисов", "Егоров", "Ершов", "Жуков",
            "Зайцев", "Захаров", "Ильин", "Казаков", "Калинин", "Киселёв", "Ковалёв", "Козлов", "Комаров",
            "Королёв", "Крылов", "Лебедев", "Макаров", "Медведев", "Мельников", "Морозов", "Назаров",
            "Никитин", "Николаев", "Орлов", "Осипов", "Павлов", "Поляков", "Романов", "Семёнов", "Сергеев",
            "Сорокин", "Степанов", "Тарасов", "Титов", "Фёдоров", "Фролов", "Чернов", "Шубин", "Яковлев")
COMPANY_ROOTS = ("Вектор", "Альфа", "Гранит", "Север", "Меридиан", "Сфера", "Ресурс", "Интеграл", "Атлант",
                 "Прогресс", "Горизонт", "Квант", "Стандарт", "Орион", "Импульс", "Феникс", "Аврора", "Титан",
                 "Союз", "Волга", "Урал", "Сибирь", "Байкал", "Нева", "Кама", "Алмаз", "Рубин", "Янтарь",
                 "Кристалл", "Эталон", "Профи", "Лидер", "Старт", "Форвард", "Статус", "Капитал", "Базис",
                 "Монолит", "Каскад", "Вертикаль", "Магистраль", "Партнёр", "Спектр", "Тандем", "Олимп",
                 "Полюс", "Пульсар", "Держава", "Ладога", "Онега", "Енисей", "Амур", "Дельта", "Омега",
                 "Ритм", "Сигма", "Тайга", "Факел", "Эверест", "Зенит")
COMPANY_SUFFIXES = ("", "-Строй", "-Торг", "-Снаб", "-Трейд", "-Логистик", "-Пром", "-Сервис", "-Тех",
                    "-Инвест", "-Групп", "-М", "-Юг", "-Центр", "-Холдинг", " Плюс", "-Агро", "-Мед",
                    "-Энерго", "-Авто", "-Металл", "-Маркет", "-Систем", "-Проект", "-Инжиниринг", "-Регион",
                    "-Восток", "-Запад", "-Опт", "-Комплект", "-Монтаж", "-Транс", "-Хим", "-Электро", "-Терминал",
                    "-Дизайн", "-Фарм", "-Пласт", "-Лес", "-Текстиль", "-Экспорт", "-Сталь", "-Вент", "-Медиа",
                    "-Склад")
COMPANY_FORMS = ("ООО", "АО")
SOURCES = (("Сайт", 0.3), ("Входящий звонок", 0.2), ("Рекомендация", 0.15), ("Яндекс Директ", 0.12),
           ("Выставка", 0.08), ("Холодный звонок", 0.1), ("Повторный клиент", 0.05))

# -- contacts ----------------------------------------------------------------------------------

CALL, EMAIL, MEETING, MESSAGE, NOTE, TASK = range(6)
ACTIVITY_TYPES = ("call", "email", "meeting", "message", "note", "task")
TYPE_WEIGHTS = np.array([0.38, 0.25, 0.08, 0.15, 0.07, 0.07])
EVENTS = {  # (type, inbound) -> amoCRM "Событие"
    (CALL, False): "Исходящий звонок", (CALL, True): "Входящий звонок",
    (EMAIL, False): "Исходящее письмо", (EMAIL, True): "Входящее письмо",
    (MESSAGE, False): "Исходящее сообщение", (MESSAGE, True): "Входящее сообщение",
    (MEETING, False): "Задача выполнена", (MEETING, True): "Задача выполнена",
    (NOTE, False): "Новое примечание", (NOTE, True): "Новое примечание",
    (TASK, False): "Задача выполнена", (TASK, True): "Задача выполнена",
}
EMAIL_SUBJECTS = ("Коммерческое предложение", "Счёт на оплату", "Договор на согласование", "Уточнение по заявке",
                  "Презентация компании", "Re: вопросы по поставке", "Спецификация и сроки", "Акт сверки")
MESSAGES = ("Добрый день! Направил КП, посмотрите, пожалуйста", "Когда удобно созвониться?",
            "Спасибо, получили", "Пришлите, пожалуйста, реквизиты", "Подтверждаю встречу в четверг",
            "Счёт отправил на почту", "Есть вопросы по срокам, наберу после обеда")
MEETINGS = ("Встреча: презентация продукта", "Встреча: обсуждение условий договора",
            "Встреча на объекте заказчика", "Встреча: демонстрация образцов")
NOTES = ("Клиент запросил скидку 5 %", "Отправили образцы", "ЛПР — технический директор",
         "Бюджет согласуют в следующем квартале", "Нужна поставка до конца месяца", "Сравнивают с двумя поставщиками")
TASKS = ("Перезвонить: договорились о встрече", "Отправить КП: отправлено", "Уточнить потребность: уточнили",
         "Согласовать спецификацию: согласовано", "Выставить счёт: выставлен", "Подготовить договор: направлен")
THINK_IT_OVER = "Клиент сказал: подумаю"


@dataclass(frozen=True)
class Plant:
    """Where a planted problem lives: the entity the check reports and the ids it should flag."""

    entity_type: str
    ids: tuple[str, ...]          # entity ids the check should report (deal ids, owner, pipeline, pipeline/stage)
    note: str
    deals: tuple[str, ...] = ()   # the deals behind an owner/pipeline/activity-level problem


@dataclass(frozen=True)
class DemoData:
    """What `generate` returns: canonical tables (columns and dtypes of audit.model.SCHEMA), the
    declared stage order, and for the problem CRM where each problem was planted (by check code)."""

    deals: pd.DataFrame
    stage_history: pd.DataFrame
    activities: pd.DataFrame
    pipelines: pd.DataFrame                 # declared stage order (what crm-audit.toml declares)
    planted: Mapping[str, Plant] = field(default_factory=dict)
    orphans: pd.DataFrame | None = None     # deleted deals whose events remain (titles for events.csv)
    text_faults: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # export column -> deal ids
    as_of: pd.Timestamp = START

    def crm(self, declared: bool = True) -> CrmData:
        """The canonical CrmData; `declared=False` leaves the stage order to inference."""
        return CrmData.build(deals=self.deals, stage_history=self.stage_history, activities=self.activities,
                             pipelines=self.pipelines if declared else None)

    def declared_stages(self) -> dict[str, tuple[str, ...]]:
        return {name: tuple(g.sort_values("order")["stage"]) for name, g in self.pipelines.groupby("pipeline", sort=False)}


# -- time --------------------------------------------------------------------------------------

def _clock(t: np.ndarray) -> np.ndarray:
    """Business days since START -> datetime64[s], 09:00-19:00 on weekdays (monotonic: order is kept)."""
    t = np.clip(np.asarray(t, dtype=float), 0.0, None)
    day = np.floor(t)
    frac = t - day
    calendar_day = day + 2 * (day // 5)
    seconds = calendar_day * 86400 + 9 * 3600 + np.round(frac * 36000)
    return START.to_datetime64().astype("datetime64[s]") + seconds.astype("int64").astype("timedelta64[s]")


def _before_end_bd(calendar_days: np.ndarray) -> np.ndarray:
    return END_B - np.asarray(calendar_days) * CAL_TO_BD


# -- the simulation ----------------------------------------------------------------------------

def _owner_names(n_owners: int) -> tuple[str, ...]:
    if n_owners <= len(OWNERS):
        return OWNERS[:n_owners]
    names = list(OWNERS)
    male = [f"{s} {n}" for s in SURNAMES for n in MALE_NAMES]
    female = [f"{s}а {n}" for s in SURNAMES for n in FEMALE_NAMES]
    pool = [x for pair in zip(male, female) for x in pair]
    pool = [p for p in pool if p not in names]
    k = 0
    while len(names) < n_owners:
        base = pool[k % len(pool)]
        names.append(base if k < len(pool) else f"{base} {k // len(pool) + 1}")
        k += 1
    return tuple(names)


def _pipeline_owners(spec: PipelineSpec, n_owners: int) -> np.ndarray:
    idx = np.arange(n_owners)
    if spec.name == "Тендеры":
        return idx[np.isin(idx % 4, (2, 3))]
    if spec.name == "Опт":
        return idx[np.isin(idx % 8, (1, 5, 7))]
    if spec.name == PERSONAL.name:
        return idx[:1]
    return idx


class _Picker:
    """Disjoint random choices of planted deals, so each planted set is about one problem."""

    def __init__(self, rng: np.random.Generator, n: int):
        self.rng = rng
        self.used = np.zeros(n, dtype=bool)

    def __call__(self, eligible: np.ndarray, k: int) -> np.ndarray:
        pool = np.flatnonzero(eligible & ~self.used)
        k = min(k, len(pool))
        chosen = np.sort(self.rng.choice(pool, size=k, replace=False)) if k else pool[:0]
        self.used[chosen] = True
        return chosen


STAGE_ALL = (*STAGE_NAMES, WON_STAGE, LOST_STAGE)
WON_CODE, LOST_CODE = len(STAGE_NAMES), len(STAGE_NAMES) + 1
OPEN, WON, LOST = 0, 1, 2
STATUS_NAMES = ("open", "won", "lost")
TEXT_ORDER = (EMAIL, MESSAGE, MEETING, NOTE, TASK)
TEXT_POOLS = {EMAIL: EMAIL_SUBJECTS, MESSAGE: MESSAGES, MEETING: MEETINGS, NOTE: NOTES, TASK: TASKS}
TEXT_POOL = (*(t for k in TEXT_ORDER for t in TEXT_POOLS[k]), THINK_IT_OVER)
TEXT_START = dict(zip(TEXT_ORDER, np.cumsum([0, *(len(TEXT_POOLS[k]) for k in TEXT_ORDER)])[:-1]))
THINK_CODE = len(TEXT_POOL) - 1
EVENT_POOL = tuple(EVENTS[(k, inbound)] for k in range(len(ACTIVITY_TYPES)) for inbound in (False, True))
# One legal form per name: "ООО «Вектор»" and "АО «Вектор»" would read as one client once the form is dropped.
COMPANY_POOL = tuple(f"{COMPANY_FORMS[(i + j) % 3 == 0]} «{root}{suffix}»" for i, root in enumerate(COMPANY_ROOTS)
                     for j, suffix in enumerate(COMPANY_SUFFIXES))
CONTACT_POOL = (tuple(f"{first} {s}" for s in SURNAMES for first in MALE_NAMES)
                + tuple(f"{first} {s}а" for s in SURNAMES for first in FEMALE_NAMES))
SOURCE_NAMES, SOURCE_WEIGHTS = zip(*SOURCES)


class _Simulation:
    """The arrays one `generate` call builds up, phase by phase (each phase names what it
    reads and what it leaves for the next). The phases draw from one random generator in a
    fixed order, so a seed always gives the same CRM."""

    def __init__(self, **settings) -> None:
        self.__dict__.update(settings)


def generate(n_deals: int = 2000, seed: int = 7, problems: bool = True, n_owners: int | None = None) -> DemoData:
    """Simulate a sales team's CRM over twelve months (see the module docstring).

    `n_deals` is about the number of deals exported (the problem CRM deletes some losses, so
    it simulates more); `n_owners` defaults to 8 up to 4,000 deals, one per 250 deals beyond.
    """
    sim = _Simulation(n_deals=n_deals, seed=seed, problems=problems, n_owners=n_owners)
    for phase in (_setup, _route_table, _assign_deals, _plant_routes, _walk_stages, _history,
                  _activities, _plant_activities, _deal_fields, _tables):
        phase(sim)
    return sim.result


def _setup(sim: _Simulation) -> None:
    """People and pipelines: owners, their skill and logging habits, the pipelines simulated."""
    n_deals, n_owners, problems, seed = sim.n_deals, sim.n_owners, sim.problems, sim.seed
    rng = np.random.default_rng(seed)
    n_owners = n_owners or (len(OWNERS) if n_deals <= 4000 else max(len(OWNERS), n_deals // 250))
    owner_names = _owner_names(n_owners)
    specs = (SALES, WHOLESALE, TENDERS, PERSONAL) if problems else (CLEAN_SALES, TENDERS)
    scale = n_deals / 2000

    def scaled(k: int) -> int:
        return max(1, round(k * scale))

    # The problem CRM deletes about a fifth of its deals (losses nobody records): simulate more.
    n = round(n_deals / 0.81) if problems else n_deals
    extra_owners = max(0, n_owners - len(OWNERS))
    skill = np.concatenate([SKILL, 0.95 + 0.08 * rng.random(extra_owners)])[:n_owners]
    logging_rate = np.concatenate([LOGGING, 0.88 + 0.24 * rng.random(extra_owners)])[:n_owners]
    if problems:
        logging_rate[SILENT_LOGGER] = 0.3
    sim.logging_rate, sim.n, sim.n_owners, sim.owner_names = logging_rate, n, n_owners, owner_names
    sim.rng, sim.scaled, sim.skill, sim.specs = rng, scaled, skill, specs


def _route_table(sim: _Simulation) -> None:
    """Every pipeline's paths in one table padded with -1, then the planted paths."""
    specs = sim.specs
    route_rows, route_pipe, route_weight = [], [], []
    for p, spec in enumerate(specs):
        for path, weight in spec.routes:
            route_rows.append([SIDX[s] for s in path])
            route_pipe.append(p)
            route_weight.append(weight)
    LATE, SAME_DAY, SKIP = len(route_rows), len(route_rows) + 1, len(route_rows) + 2
    route_rows += [[SIDX[INV], SIDX[CONTRACT]], [SIDX[CONTRACT]], [SIDX[PK], SIDX[INV], SIDX[CONTRACT]]]
    width = max(len(r) for r in route_rows) + 1          # +1: the inbox step some deals start with
    routes = np.full((len(route_rows), width - 1), -1)
    for i, r in enumerate(route_rows):
        routes[i, :len(r)] = r
    route_pipe, route_weight = np.array(route_pipe), np.array(route_weight)
    sim.LATE, sim.SAME_DAY, sim.SKIP, sim.route_pipe = LATE, SAME_DAY, SKIP, route_pipe
    sim.route_weight, sim.routes, sim.width = route_weight, routes, width


def _assign_deals(sim: _Simulation) -> None:
    """Each deal's pipeline, owner, route and creation time."""
    n, n_owners, rng, route_pipe = sim.n, sim.n_owners, sim.rng, sim.route_pipe
    route_weight, specs = sim.route_weight, sim.specs
    shares = np.array([s.share for s in specs])
    pipe = rng.choice(len(specs), size=n, p=shares / shares.sum())
    owner = np.empty(n, dtype=np.int64)
    tid = np.empty(n, dtype=np.int64)
    for p, spec in enumerate(specs):
        rows_p = np.flatnonzero(pipe == p)
        owners_p = _pipeline_owners(spec, n_owners)
        owner[rows_p] = owners_p[rng.integers(0, len(owners_p), size=len(rows_p))]
        cand = np.flatnonzero(route_pipe == p)
        w = route_weight[cand]
        tid[rows_p] = cand[rng.choice(len(cand), size=len(rows_p), p=w / w.sum())]
    has_inbox = rng.random(n) < np.array([s.inbox_share for s in specs])[pipe]
    t0 = (END_B - 0.3) * rng.random(n) ** 0.85          # a growing business: more deals lately
    force_upto = np.zeros(n, dtype=np.int64)             # leading steps that succeed whatever the dice
    stall_step = np.full(n, -1)                          # planted deals stuck at this step until the end
    stall_at = np.zeros(n)                               # ... which they entered at this business time
    policy = np.zeros(n, dtype=np.int8)                  # while stuck: 0 contacted, 1 silent, 2 "подумаю"
    sim.force_upto, sim.has_inbox, sim.owner, sim.pipe = force_upto, has_inbox, owner, pipe
    sim.policy, sim.stall_at, sim.stall_step, sim.t0, sim.tid = policy, stall_at, stall_step, t0, tid


def _plant_routes(sim: _Simulation) -> None:
    """The problem CRM's planted routes: bursts, late entries, skips and stuck deals."""
    LATE, SAME_DAY, SKIP, force_upto = sim.LATE, sim.SAME_DAY, sim.SKIP, sim.force_upto
    has_inbox, n, owner, pipe, policy = sim.has_inbox, sim.n, sim.owner, sim.pipe, sim.policy
    problems, rng, route_pipe, scaled = sim.problems, sim.rng, sim.route_pipe, sim.scaled
    stall_at, stall_step, t0, tid, width = sim.stall_at, sim.stall_step, sim.t0, sim.tid, sim.width
    pick = _Picker(rng, n)
    is_sales = pipe == 0
    regular = ~np.isin(owner, (SILENT_LOGGER, NEVER_LOSES)) if problems else np.ones(n, dtype=bool)
    groups: dict[str, np.ndarray] = {}
    if problems:
        main_tid = int(np.flatnonzero(route_pipe == 0)[0])
        think_tid = int(np.flatnonzero(route_pipe == 0)[len(SALES_ROUTES) - 1])
        # ST08: 40 deals typed in by one manager within three minutes one evening.
        burst = pick(is_sales & (owner == BULK_CREATOR) & (t0 < END_B - 30), 40)
        tid[burst], has_inbox[burst] = main_tid, False
        t0[burst] = 150.9 + np.sort(rng.random(len(burst))) * 170 / 36000
        # ST05: deals that first appear at the invoice, or are created at the contract and won that day.
        late = pick(is_sales & regular & (t0 < END_B - 40), scaled(25))
        tid[late], has_inbox[late], force_upto[late] = LATE, False, width
        same_day = pick(is_sales & regular & (t0 < END_B - 5), scaled(15))
        tid[same_day], has_inbox[same_day], force_upto[same_day] = SAME_DAY, False, width
        t0[same_day] = np.floor(t0[same_day]) + rng.uniform(0.0, 0.5, size=len(same_day))
        # SG04: a jump over three stages, or straight to won from "В работе".
        skip = pick(is_sales & regular & (t0 < END_B - 40), scaled(20))
        tid[skip], has_inbox[skip], force_upto[skip] = SKIP, False, width
        to_won = pick(is_sales & regular & (t0 < END_B - 40), scaled(8))
        tid[to_won], has_inbox[to_won], force_upto[to_won] = main_tid, False, width
        groups.update(burst=burst, late=late, same_day=same_day, skip=skip, to_won=to_won)
        # Open deals stuck at a step since `days` calendar days before the export.
        stalls = (("rot", scaled(25), main_tid, (2, 3), (45, 150), 0),     # SG03, still being called
                  ("parked", scaled(15), think_tid, (4,), (40, 120), 0),   # SG02+SG03 in "Думает"
                  ("silent", scaled(20), main_tid, (2, 3), (17, 27), 1),   # OF02: nobody calls
                  ("think", scaled(15), main_tid, (2,), (16, 27), 2))      # OF06: last word "подумаю"
        for name, k, route_id, steps_at, days, pol in stalls:
            chosen = pick(is_sales & regular, k)
            tid[chosen], has_inbox[chosen], policy[chosen] = route_id, False, pol
            stall_step[chosen] = rng.choice(steps_at, size=len(chosen))
            stall_at[chosen] = _before_end_bd(rng.uniform(*days, size=len(chosen)))
            force_upto[chosen] = stall_step[chosen]
            groups[name] = chosen
    sim.groups, sim.is_sales, sim.pick, sim.regular = groups, is_sales, pick, regular


def _walk_stages(sim: _Simulation) -> None:
    """Each deal walks its route: time in each stage, whether it moves on, where it ends."""
    force_upto, groups, has_inbox, is_sales = sim.force_upto, sim.groups, sim.has_inbox, sim.is_sales
    n, owner, problems, rng, routes, skill = sim.n, sim.owner, sim.problems, sim.rng, sim.routes, sim.skill
    stall_at, stall_step, t0, tid, width = sim.stall_at, sim.stall_step, sim.t0, sim.tid, sim.width
    # The route of each deal, with the inbox step in front where the request landed there.
    base = routes[tid]
    route = np.where(has_inbox[:, None], np.hstack([np.full((n, 1), SIDX[INBOX]), base]),
                     np.hstack([base, np.full((n, 1), -1)]))
    if problems:
        route[groups["to_won"], 2:] = -1                 # won right after "В работе"
    valid = route >= 0
    length = valid.sum(axis=1)
    safe = np.where(valid, route, 0)
    steps = np.arange(width)[None, :]
    is_inbox = route == SIDX[INBOX]

    # Dwell and the odds of moving on, per step.
    dwell = np.exp(np.log(DWELL_MEDIAN[safe]) + DWELL_SIGMA * rng.standard_normal((n, width)))
    dwell = np.where(is_inbox, np.clip(dwell, 0.02, 0.6), np.clip(dwell, 0.3, DWELL_CAP))
    if problems:
        dwell[groups["same_day"], 0] = rng.uniform(0.05, 0.4, size=len(groups["same_day"]))
    dwell = np.where(valid, dwell, 0.0)
    odds = np.where(is_inbox, 1.0, np.minimum(P_ADVANCE[safe] * skill[owner][:, None], 0.97))
    if problems:   # FN01: one manager loses most deals after the proposal
        odds = np.where((owner == WEAK_AT_KP)[:, None] & (route == SIDX[KP]) & is_sales[:, None], 0.22, odds)
    success = (rng.random((n, width)) < odds) | (steps < force_upto[:, None]) | ~valid
    won = success.all(axis=1)
    last = np.where(won, length - 1, np.argmax(~success, axis=1))

    # Stuck deals reach their step on the chosen date and stay there.
    stalled = np.flatnonzero(stall_step >= 0)
    dwell[stalled, stall_step[stalled]] = 1e4
    before = np.cumsum(dwell, axis=1) - dwell
    t0[stalled] = stall_at[stalled] - before[stalled, stall_step[stalled]]
    entry = t0[:, None] + before
    leave = entry + dwell
    rows = np.arange(n)
    close_t = leave[rows, last]
    closed = close_t <= END_B
    realized = valid & (steps <= last[:, None]) & (entry <= END_B)
    cur = realized.sum(axis=1) - 1
    status = np.where(closed & won, WON, np.where(closed, LOST, OPEN))
    sim.close_t, sim.closed, sim.cur, sim.entry, sim.is_inbox = close_t, closed, cur, entry, is_inbox
    sim.last, sim.leave, sim.length, sim.realized, sim.route = last, leave, length, realized, route
    sim.rows, sim.status, sim.won = rows, status, won


def _history(sim: _Simulation) -> None:
    """What the CRM deletes, and the stage history of the rest."""
    close_t, closed, entry, last, n, owner = sim.close_t, sim.closed, sim.entry, sim.last, sim.n, sim.owner
    pipe, problems, realized, rng, route = sim.pipe, sim.problems, sim.realized, sim.rng, sim.route
    status, won = sim.status, sim.won
    # Deals deleted before the export (sterile habits): kept deals, and deleted ones whose events stay.
    keep = np.ones(n, dtype=bool)
    if problems:
        keep &= ~((status == LOST) & (owner == NEVER_LOSES))                    # ST02: never records a loss
        keep &= ~((status == LOST) & (pipe == 1) & (rng.random(n) > 0.04))     # ST01: wholesale neither

    # -- stage history ---------------------------------------------------------------------
    di, si = np.nonzero(realized[:, 1:])
    si += 1
    fin = np.flatnonzero(closed)
    h_deal = np.concatenate([di, fin])
    h_from = np.concatenate([route[di, si - 1], route[fin, last[fin]]])
    h_to = np.concatenate([route[di, si], np.where(won[fin], WON_CODE, LOST_CODE)])
    h_at = _clock(np.concatenate([entry[di, si], close_t[fin]]))
    sim.h_at, sim.h_deal, sim.h_from, sim.h_to, sim.keep = h_at, h_deal, h_from, h_to, keep


def _activities(sim: _Simulation) -> None:
    """Activities: a contact before every change, a few between, a recent one on open deals."""
    closed, cur, entry, groups, is_inbox = sim.closed, sim.cur, sim.entry, sim.groups, sim.is_inbox
    last, leave, logging_rate, owner, policy = sim.last, sim.leave, sim.logging_rate, sim.owner, sim.policy
    realized, rng, rows, stall_step, won = sim.realized, sim.rng, sim.rows, sim.stall_step, sim.won
    stay_d, stay_s = np.nonzero(realized)
    stay_start, stay_end = entry[stay_d, stay_s], leave[stay_d, stay_s]
    ends_in_change = (stay_s < cur[stay_d]) | ((stay_s == cur[stay_d]) & closed[stay_d])
    to_lost = ends_in_change & (stay_s == last[stay_d]) & ~won[stay_d]
    span = np.minimum(stay_end, END_B) - stay_start
    span = np.where((stall_step[stay_d] == stay_s) & (policy[stay_d] > 0), 0.0, span)
    pre = np.flatnonzero(ends_in_change)
    pre_t = stay_end[pre] - (stay_end[pre] - stay_start[pre]) * rng.uniform(0.05, 0.5, size=len(pre))
    n_extra = np.minimum(rng.poisson(0.15 * logging_rate[owner[stay_d]] * span), 40)
    extra = np.repeat(np.arange(len(stay_d)), n_extra)
    extra_t = stay_start[extra] + span[extra] * rng.uniform(0.02, 0.98, size=len(extra))
    recent = np.flatnonzero(~closed & (policy == 0))
    lo = np.maximum(entry[recent, cur[recent]], END_B - 7.0)
    recent_t = lo + (END_B - lo) * rng.uniform(0.1, 0.95, size=len(recent))
    think = groups.get("think", rows[:0])
    think_t = END_B - rng.uniform(2, 7, size=len(think)) * CAL_TO_BD

    a_deal = np.concatenate([stay_d[pre], stay_d[extra], recent, think])
    a_step = np.concatenate([stay_s[pre], stay_s[extra], cur[recent], stall_step[think]])
    a_t = np.concatenate([pre_t, extra_t, recent_t, think_t])
    n_pre, n_act = len(pre), len(a_deal)
    a_type = rng.choice(len(ACTIVITY_TYPES), size=n_act, p=TYPE_WEIGHTS)
    a_in = rng.random(n_act) < 0.3
    # Requests that land in the inbox arrive as an incoming call, letter or message.
    first_contact = np.zeros(n_act, dtype=bool)
    first_contact[:n_pre] = is_inbox[stay_d[pre], stay_s[pre]]
    a_type[first_contact] = rng.choice([CALL, EMAIL, MESSAGE], size=int(first_contact.sum()))
    a_in[first_contact] = True
    # Before a loss the last word is often a done task, sometimes "I'll think about it".
    a_think = np.zeros(n_act, dtype=bool)
    a_think[:n_pre] = to_lost[pre] & (rng.random(n_pre) < 0.2)
    a_think[n_act - len(think):] = True
    a_type[a_think] = TASK
    a_keep = np.ones(n_act, dtype=bool)
    sim.a_deal, sim.a_in, sim.a_keep, sim.a_step, sim.a_t = a_deal, a_in, a_keep, a_step, a_t
    sim.a_think, sim.a_type, sim.ends_in_change, sim.stay_d = a_think, a_type, ends_in_change, stay_d
    sim.stay_s, sim.to_lost = stay_s, to_lost


def _plant_activities(sim: _Simulation) -> None:
    """The problem CRM's missing activities: silent changes, won deals without a trail, no e-mail."""
    a_deal, a_in, a_keep, a_step, a_t = sim.a_deal, sim.a_in, sim.a_keep, sim.a_step, sim.a_t
    a_think, a_type, ends_in_change, groups = sim.a_think, sim.a_type, sim.ends_in_change, sim.groups
    is_sales, keep, length, n, owner, pick = sim.is_sales, sim.keep, sim.length, sim.n, sim.owner, sim.pick
    problems, regular, rng, scaled, status = sim.problems, sim.regular, sim.rng, sim.scaled, sim.status
    stay_d, stay_s, t0, to_lost, width = sim.stay_d, sim.stay_s, sim.t0, sim.to_lost, sim.width
    if problems:
        # OF01/OF03: one manager moves deals on without logging the contact that moved them.
        dropped = np.zeros((n, width), dtype=bool)
        quiet = (owner[stay_d] == SILENT_LOGGER) & ends_in_change & ~to_lost & (rng.random(len(stay_d)) < 0.75)
        dropped[stay_d[quiet], stay_s[quiet]] = True
        a_keep &= ~dropped[a_deal, a_step]
        # ST06: won deals without a single logged contact.
        no_trail = pick(is_sales & regular & (status == WON) & keep & (length >= 3), scaled(25))
        a_keep &= ~np.isin(a_deal, no_trail)
        # OF05: one manager's mailbox is not connected: her letters never reach the CRM (calls do).
        a_type[(owner[a_deal] == NO_EMAIL) & (a_type == EMAIL)] = CALL
        silent = np.union1d(stay_d[quiet], no_trail)
        groups.update(no_trail=no_trail, silent_changes=silent[keep[silent]])
        # OF04: a call dated days before its deal was created.
        early = pick(regular & keep & (t0 > 20) & (status != LOST), scaled(12))
        groups["early"] = early
        a_deal = np.concatenate([a_deal, early])
        a_t = np.concatenate([a_t, t0[early] - rng.uniform(2, 10, size=len(early))])
        a_type = np.concatenate([a_type, np.full(len(early), CALL)])
        a_in = np.concatenate([a_in, np.zeros(len(early), dtype=bool)])
        a_think = np.concatenate([a_think, np.zeros(len(early), dtype=bool)])
        a_keep = np.concatenate([a_keep, np.ones(len(early), dtype=bool)])
    sim.a_deal, sim.a_in, sim.a_keep, sim.a_t, sim.a_think = a_deal, a_in, a_keep, a_t, a_think
    sim.a_type = a_type


def _deal_fields(sim: _Simulation) -> None:
    """Deal fields (ids, titles, reasons, amounts, clients), and the planted field faults."""
    a_deal, a_in, a_keep, a_t, a_think = sim.a_deal, sim.a_in, sim.a_keep, sim.a_t, sim.a_think
    a_type, close_t, closed, cur, groups = sim.a_type, sim.close_t, sim.closed, sim.cur, sim.groups
    has_inbox, is_sales, keep, n, n_owners = sim.has_inbox, sim.is_sales, sim.keep, sim.n, sim.n_owners
    owner, pick, pipe, problems, regular = sim.owner, sim.pick, sim.pipe, sim.problems, sim.regular
    rng, route, rows, scaled, specs, status = sim.rng, sim.route, sim.rows, sim.scaled, sim.specs, sim.status
    t0 = sim.t0
    ids = np.empty(n, dtype=np.int64)
    ids[np.argsort(t0, kind="stable")] = DEAL_ID_BASE + np.cumsum(rng.integers(1, 25, size=n))
    title_pool, title_start = [], []
    for spec in specs:
        title_start.append(len(title_pool))
        title_pool += [spec.title_prefix + p for p in spec.products]
    n_products = np.array([len(s.products) for s in specs])
    reason_pool = list(dict.fromkeys(r for s in specs for r, _ in s.reasons)) + list(VAGUE_REASONS)
    reason = np.full(n, -1)
    for p, spec in enumerate(specs):
        lost_p = np.flatnonzero((pipe == p) & (status == LOST))
        names, weights = zip(*spec.reasons)
        codes = np.array([reason_pool.index(r) for r in names])
        reason[lost_p] = codes[rng.choice(len(names), size=len(lost_p), p=np.array(weights) / sum(weights))]
    source = rng.choice(len(SOURCE_NAMES), size=n, p=np.array(SOURCE_WEIGHTS))
    source[has_inbox] = rng.integers(0, 2, size=int(has_inbox.sum()))   # Сайт / Входящий звонок
    d = {
        "id": ids, "pipe": pipe, "owner": owner, "creator": owner.copy(),
        "stage": np.where(status == WON, WON_CODE, np.where(status == LOST, LOST_CODE, route[rows, cur])),
        "status": status,
        "amount": np.maximum(np.round(np.array([s.amount_median for s in specs])[pipe]
                                      * np.exp(0.7 * rng.standard_normal(n)), -3), 5000.0),
        "created": _clock(t0), "closed": np.where(closed, _clock(close_t), np.datetime64("NaT", "s")),
        "reason": reason, "source": source,
        "company": _pool_codes(rng, n, len(COMPANY_POOL)), "contact": _pool_codes(rng, n, len(CONTACT_POOL)),
        "product": np.array(title_start)[pipe] + (rng.random(n) * n_products[pipe]).astype(np.int64),
    }
    a_at = _clock(a_t)

    alive = keep.copy()           # in deals.csv
    extra_rows = rows[:0]         # exported twice (HY02)
    text_faults: dict[str, tuple[str, ...]] = {}
    if problems:
        alive, extra_rows, text_faults, (a_deal, a_at, a_type, a_in, a_think, a_keep) = _plant_fields(
            rng, pick, groups, d, keep, closed, is_sales & regular, scaled, reason_pool, n_owners,
            (a_deal, a_at, a_type, a_in, a_think, a_keep))
        keep = np.concatenate([keep, np.ones(len(d["id"]) - n, dtype=bool)])
    sim.a_at, sim.a_deal, sim.a_in, sim.a_keep, sim.a_think = a_at, a_deal, a_in, a_keep, a_think
    sim.a_type, sim.alive, sim.d, sim.extra_rows, sim.keep = a_type, alive, d, extra_rows, keep
    sim.reason_pool, sim.text_faults, sim.title_pool = reason_pool, text_faults, title_pool


def _tables(sim: _Simulation) -> None:
    """The canonical tables, and where each problem was planted."""
    a_at, a_deal, a_in, a_keep, a_think = sim.a_at, sim.a_deal, sim.a_in, sim.a_keep, sim.a_think
    a_type, alive, d, extra_rows, groups = sim.a_type, sim.alive, sim.d, sim.extra_rows, sim.groups
    h_at, h_deal, h_from, h_to, keep = sim.h_at, sim.h_deal, sim.h_from, sim.h_to, sim.keep
    owner_names, problems, reason_pool, rng = sim.owner_names, sim.problems, sim.reason_pool, sim.rng
    specs, text_faults, title_pool = sim.specs, sim.text_faults, sim.title_pool
    out_rows = np.concatenate([np.flatnonzero(alive), extra_rows])
    out_rows = out_rows[np.lexsort((d["id"][out_rows], d["created"][out_rows]))]
    names_of_owner = pa.array(owner_names, pa.large_string())
    deals = _deal_frame(d, out_rows, specs, title_pool, reason_pool, names_of_owner)
    orphans = _deal_frame(d, np.flatnonzero(keep & ~alive), specs, title_pool, reason_pool, names_of_owner)

    id_text = pc.cast(pa.array(d["id"]), pa.large_string())
    h_rows = np.flatnonzero(keep[h_deal])
    h_rows = h_rows[np.argsort(h_at[h_rows].view(np.int64), kind="stable")]
    hd = h_deal[h_rows]
    history = pd.DataFrame({
        "deal_id": _text(id_text, hd), "from_stage": _text(STAGE_ALL, h_from[h_rows]),
        "to_stage": _text(STAGE_ALL, h_to[h_rows]), "changed_at": _us(h_at[h_rows]),
        # amoCRM's events list names no pipeline: CrmData.build takes it from the deal, as for the export.
        "changed_by": _text(names_of_owner, d["owner"][hd]), "pipeline": _none_text(len(hd)),
    })

    a_rows = np.flatnonzero(a_keep & keep[a_deal])
    a_rows = a_rows[np.argsort(a_at[a_rows].view(np.int64), kind="stable")]
    activities = _activity_frame(rng, a_deal[a_rows], a_at[a_rows], a_type[a_rows], a_in[a_rows],
                                 a_think[a_rows], d, names_of_owner, id_text)

    if problems:
        # Sets that follow from the final tables (computed on codes: str isin on millions is slow).
        has_contact = np.zeros(len(d["id"]), dtype=bool)
        has_contact[a_deal[a_rows]] = True
        won_rows = out_rows[d["status"][out_rows] == WON]
        vague = np.isin(d["stage"][out_rows], [SIDX[s] for s in VAGUE_STAGES])
        groups.update(won_no_contact=won_rows[~has_contact[won_rows]],
                      open_vague=out_rows[(d["status"][out_rows] == OPEN) & vague])
    planted = _planted(groups, d) if problems else {}
    latest = max(deals["created_at"].max(), deals["closed_at"].max(), history["changed_at"].max(),
                 activities["at"].max())
    sim.result = DemoData(deals=deals, stage_history=history, activities=activities, pipelines=_declared_table(specs),
                    planted=planted, orphans=orphans, text_faults=text_faults, as_of=latest)


def _pool_codes(rng: np.random.Generator, n: int, size: int) -> np.ndarray:
    """Each deal its own client while the pool lasts: repeat clients are not what this demo is about."""
    return rng.permutation(size)[:n] if n <= size else rng.integers(0, size, size=n)


def _plant_fields(rng, pick, groups, d, keep, closed, fine_mask, scaled, reason_pool, n_owners, acts):
    """Field-level faults: loss reasons (ST03, ST04), HY02-HY08, orphans and duplicate deals.

    Edits the per-deal arrays in `d` in place and appends the duplicate deals to them.
    """
    a_deal, a_at, a_type, a_in, a_think, a_keep = acts
    n = len(d["id"])
    status = d["status"]
    lost = (status == LOST) & keep & fine_mask | ((status == LOST) & keep & (d["pipe"] == 2))
    no_reason = pick(lost, scaled(60))
    vague = pick(lost, scaled(80))
    d["reason"][no_reason] = -1
    vague_codes = np.array([reason_pool.index(r) for r in VAGUE_REASONS])
    d["reason"][vague] = vague_codes[np.arange(len(vague)) % len(vague_codes)]

    fine = keep & fine_mask
    alive = keep.copy()
    # HY06: deals deleted after their events were exported.
    orphan = pick(fine & closed & (d["stage"] == WON_CODE), 3)
    alive[orphan] = False
    # HY03: a closing date typed before the creation date.
    back = pick(fine & closed, 3)
    d["closed"][back] = d["created"][back] - rng.integers(2, 30, size=len(back)).astype("timedelta64[D]")
    # HY04: a negative budget, won deals with a zero budget.
    negative = pick(fine & (status != WON), 2)
    d["amount"][negative] *= -1
    zero_won = pick(fine & (status == WON), 4)
    d["amount"][zero_won] = 0.0
    # HY05: a closing date on deals still open.
    settled = d["created"] < d["created"].max() - np.timedelta64(5, "D")
    open_closed = pick(fine & ~closed & settled, 4)
    d["closed"][open_closed] = d["created"][open_closed] + np.timedelta64(1, "D")
    # HY08: values the export mangles (write_export writes them as unparseable text).
    bad_created, bad_closed, bad_amount = pick(fine & closed, 1), pick(fine & closed, 1), pick(fine, 2)
    text_faults = {"Дата создания сделки": _ids(d, bad_created), "Дата закрытия": _ids(d, bad_closed),
                   "Бюджет": _ids(d, bad_amount)}
    # HY02: a deal exported twice.
    twice = pick(fine & closed, 3)
    groups.update(no_reason=no_reason, vague=vague, orphan=orphan, back=back, negative=negative,
                  zero_won=zero_won, open_closed=open_closed, bad_created=bad_created, bad_closed=bad_closed,
                  bad_amount=bad_amount, twice=twice)

    # HY07: a colleague enters the same client again the next day (a new deal in the first stage).
    latest = d["created"].max()
    recent = (d["created"] > latest - np.timedelta64(12, "D")) & (d["created"] < latest - np.timedelta64(5, "D"))
    originals = pick(fine & ~closed & recent, 3)
    k = len(originals)
    copies = np.arange(n, n + k)
    for key, values in d.items():
        d[key] = np.concatenate([values, values[originals]])
    d["id"][copies] = d["id"].max() + 3 + np.arange(k)
    d["owner"][copies] = (d["owner"][originals] + 1) % n_owners
    d["creator"][copies] = d["owner"][copies]
    d["created"][copies] = d["created"][originals] + np.timedelta64(20, "h")
    d["stage"][copies] = SIDX[PK]
    alive = np.concatenate([alive, np.ones(k, dtype=bool)])
    groups.update(dup_originals=originals, dup_copies=copies)
    # ... and calls them two hours later.
    acts = (np.concatenate([a_deal, copies]), np.concatenate([a_at, d["created"][copies] + np.timedelta64(2, "h")]),
            np.concatenate([a_type, np.full(k, CALL)]), np.concatenate([a_in, np.zeros(k, dtype=bool)]),
            np.concatenate([a_think, np.zeros(k, dtype=bool)]), np.concatenate([a_keep, np.ones(k, dtype=bool)]))
    return alive, twice, text_faults, acts


def _ids(d, rows) -> tuple[str, ...]:
    return tuple(sorted(d["id"][rows].astype(str)))


# -- building the frames: strings once, through Arrow (a million Python str objects take seconds) --

def _text(pool, codes: np.ndarray) -> pd.Series:
    """Strings from a pool by integer code (-1: missing)."""
    pool = pool if isinstance(pool, pa.Array) else pa.array(list(pool), pa.large_string())
    codes = np.asarray(codes, dtype=np.int64)
    missing = codes < 0
    taken = pool.take(pa.array(codes, mask=missing) if missing.any() else pa.array(codes))
    return pd.Series(pd.array(taken, dtype="str"))


def _large(text: str) -> pa.Scalar:
    return pa.scalar(text, pa.large_string())


def _int_text(values: np.ndarray) -> pd.Series:
    return pd.Series(pd.array(pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.large_string()), dtype="str"))


def _none_text(n: int) -> pd.Series:
    return pd.Series(pd.array(pa.nulls(n, pa.large_string()), dtype="str"))


def _us(values: np.ndarray) -> pd.Series:
    return pd.Series(np.asarray(values).astype("datetime64[us]"))


def _deal_frame(d, rows, specs, title_pool, reason_pool, owner_names) -> pd.DataFrame:
    company = pa.array(list(COMPANY_POOL), pa.large_string()).take(pa.array(d["company"][rows]))
    titles = pc.binary_join_element_wise(
        pa.array(title_pool, pa.large_string()).take(pa.array(d["product"][rows])), company, pa.scalar(" — ", pa.large_string()))
    n = len(rows)
    return pd.DataFrame({
        "deal_id": _int_text(d["id"][rows]), "title": pd.Series(pd.array(titles, dtype="str")),
        "pipeline": _text([s.name for s in specs], d["pipe"][rows]), "stage": _text(STAGE_ALL, d["stage"][rows]),
        "status": _text(STATUS_NAMES, d["status"][rows]), "owner": _text(owner_names, d["owner"][rows]),
        "amount": pd.Series(d["amount"][rows], dtype="float64"), "currency": _none_text(n),
        "created_at": _us(d["created"][rows]), "created_by": _text(owner_names, d["creator"][rows]),
        "closed_at": _us(d["closed"][rows]), "expected_close_at": _us(np.full(n, np.datetime64("NaT", "s"))),
        "lost_reason": _text(reason_pool, d["reason"][rows]), "source": _text(SOURCE_NAMES, d["source"][rows]),
        "company": pd.Series(pd.array(company, dtype="str")), "contact": _text(CONTACT_POOL, d["contact"][rows]),
        "last_activity_at": _us(np.full(n, np.datetime64("NaT", "s"))),
    })


def _activity_frame(rng, deal, at, kind, inbound, think, d, owner_names, id_text) -> pd.DataFrame:
    """Logged contacts as amoCRM's events list yields them: `subject` is the event ("Исходящий
    звонок"), `result` its text; no activity id (the events list has none)."""
    n = len(deal)
    text_code = np.full(n, -1)
    for k in TEXT_ORDER:
        rows = np.flatnonzero(kind == k)
        text_code[rows] = TEXT_START[k] + rng.integers(0, len(TEXT_POOLS[k]), size=len(rows))
    text_code[think] = THINK_CODE
    is_call = kind == CALL
    duration = np.where(is_call, np.clip(np.round(np.exp(np.log(180) + 0.8 * rng.standard_normal(n))), 15, 3600),
                        np.nan)
    secs = np.nan_to_num(duration).astype(np.int64)
    call_text = pc.binary_join_element_wise(
        pc.cast(pa.array(secs // 60), pa.large_string()),
        pc.utf8_lpad(pc.cast(pa.array(secs % 60), pa.large_string()), width=2, padding="0"), _large(":"))
    call_text = pc.binary_join_element_wise(_large("Длительность"), call_text, _large(" "))
    pooled = pa.array(list(TEXT_POOL), pa.large_string()).take(pa.array(text_code, mask=text_code < 0))
    result = pc.if_else(pa.array(is_call), call_text, pooled)
    directed = np.isin(kind, (CALL, EMAIL, MESSAGE))
    return pd.DataFrame({
        "activity_id": _none_text(n), "deal_id": _text(id_text, deal),
        "type": _text(ACTIVITY_TYPES, kind), "owner": _text(owner_names, d["owner"][deal]), "at": _us(at),
        "direction": _text(("out", "in"), np.where(directed, inbound.astype(np.int64), -1)),
        "duration_s": pd.Series(duration, dtype="float64"), "subject": _text(EVENT_POOL, kind * 2 + inbound),
        "result": pd.Series(pd.array(result, dtype="str")),
        "created_at": _us(np.full(n, np.datetime64("NaT", "s"))),
    })


def _declared_table(specs) -> pd.DataFrame:
    rows = [(s.name, stage, float(i + 1), "open") for s in specs if s.declared for i, stage in enumerate(s.declared)]
    return pd.DataFrame(rows, columns=["pipeline", "stage", "order", "kind"]).astype(
        {"pipeline": "str", "stage": "str", "order": "float64", "kind": "str"})


def _planted(groups, d) -> dict[str, Plant]:
    """The planted problems, named by the check that should find them."""
    def ids(*names: str) -> tuple[str, ...]:
        return tuple(sorted(set(d["id"][np.concatenate([groups[name] for name in names])].astype(str))))
    return {
        "ST01": Plant("pipeline", ("Опт",), "wholesale records about 4 % of its losses"),
        "ST02": Plant("owner", (OWNERS[NEVER_LOSES],), "his lost deals are deleted, never closed as lost"),
        "ST03": Plant("deal", ids("no_reason"), "lost deals without a loss reason"),
        "ST04": Plant("deal", ids("vague"), "loss reasons " + ", ".join(VAGUE_REASONS)),
        "ST05": Plant("deal", ids("late", "same_day"),
                      "first recorded at the invoice, or created at the contract and won the same day"),
        "ST06": Plant("deal", ids("won_no_contact"),
                      f"won deals without any logged contact (and {OWNERS[SILENT_LOGGER]}'s that lost all theirs)"),
        "ST08": Plant("owner", (OWNERS[BULK_CREATOR],), f"40 deals created by {OWNERS[BULK_CREATOR]} within 3 minutes",
                      deals=ids("burst")),
        "SG01": Plant("stage", tuple(f"{p}/{s}" for p in ("Опт", "Продажи") for s in sorted(VAGUE_STAGES)),
                      "stages named after a state"),
        "SG02": Plant("deal", ids("open_vague"), "open deals sitting in vague stages"),
        "SG03": Plant("deal", ids("rot", "parked"), "open deals in one stage for 40-150 days"),
        "SG04": Plant("deal", ids("skip", "to_won"), "Первичный контакт -> Счёт выставлен, or won from В работе"),
        "SG05": Plant("pipeline", (PERSONAL.name,), f"used by {OWNERS[PERSONAL_OWNER]} only, named after him"),
        "SG06": Plant("pipeline", ("Опт", "Продажи"), "Опт copies the stages of Продажи"),
        "SG07": Plant("stage", (f"Продажи/{DEAD_STAGE}",), "declared, never entered"),
        "SG08": Plant("stage", ("Опт/Возражения", "Продажи/Возражения"),
                      "entered from В работе, КП отправлено and Счёт выставлен; often left backwards"),
        "OF01": Plant("deal", ids("silent_changes"),
                      f"{OWNERS[SILENT_LOGGER]} moves deals without logging a contact; won deals with no trail"),
        "OF02": Plant("deal", ids("silent"), "open deals with no contact for 17-27 days"),
        "OF03": Plant("owner", (OWNERS[SILENT_LOGGER],), "logs about a third of the team's activities per deal"),
        "OF04": Plant("activity", (), "a call dated 2-10 working days before the deal was created; the contacts "
                      "of the deals closed 'before' they were created (HY03)", deals=ids("early", "back")),
        "OF05": Plant("owner", (OWNERS[NO_EMAIL],), "no e-mail at all (mailbox not connected)"),
        "OF06": Plant("deal", ids("think"), "last contact 'Клиент сказал: подумаю', stage unchanged 16-27 days"),
        "FN01": Plant("owner", (OWNERS[WEAK_AT_KP],), "Продажи/КП отправлено: converts 22 % (team about 66 %)"),
        "HY02": Plant("deal", ids("twice"), "exported twice"),
        "HY03": Plant("deal", ids("back"), "closed before created"),
        "HY04": Plant("deal", ids("negative", "zero_won"), "negative budget, or won with zero budget"),
        "HY05": Plant("deal", ids("open_closed"), "open with a closing date"),
        "HY06": Plant("deal", ids("orphan"), "events of deals missing from deals.csv"),
        "HY07": Plant("deal", ids("dup_copies"), "a colleague entered the same client, contact and title again "
                      "20 hours later", deals=ids("dup_originals", "dup_copies")),
        "HY08": Plant("deal", ids("bad_created", "bad_closed", "bad_amount"),
                      "'31.02.2026' in the dates, 'сто тысяч' in the budget"),
    }


# -- amoCRM export files -----------------------------------------------------------------------

DEAL_HEADERS = ("ID", "Название сделки", "Бюджет", "Ответственный", "Дата создания сделки", "Кем создана сделка",
                "Дата редактирования", "Дата закрытия", "Теги", "Этап сделки", "Воронка", "Полное имя контакта",
                "Компания контакта", "Рабочий телефон (контакт)", "Рабочий email (контакт)", "Компания", "Источник",
                "Причина отказа", "Источник")
EVENT_HEADERS = ("Дата", "Автор", "Объект", "ID объекта", "Название", "Событие", "Значение до", "Значение после")
DATE_FORMAT = "%d.%m.%Y %H:%M:%S"
TAGS = ("", "", "", "", "VIP", "повторный клиент", "выставка 2026", "горячий", "дилер")
SYSTEM_SOURCES = ("Форма на сайте", "Телефония", "Почта")
BAD_DATE, BAD_AMOUNT = "31.02.2026", "сто тысяч"


def write_demo(folder: str | Path, seed: int = 7, n_deals: int = 2000) -> Path:
    """Write the problem CRM as amoCRM exports into `folder`, and crm-audit.toml next to it."""
    data = generate(n_deals=n_deals, seed=seed, problems=True)
    folder = Path(folder)
    write_export(data, folder, seed=seed)
    from audit.app.demo_calls import write_call_log
    extensions = write_call_log(data, folder / "Master.csv", seed=seed)
    write_config(data, folder.parent / CONFIG_NAME, extensions=extensions)
    return folder


def write_config(data: DemoData, path: Path, extensions: Mapping[str, str] | None = None) -> Path:
    lines = ["# crm-audit settings for the demo export (written by `crm-audit demo`).",
             "# Stage order of the main pipelines, as set up in amoCRM; Воронка Петрова is left to inference.", ""]
    for name, stages in data.declared_stages().items():
        lines.append(f'[pipelines."{name}"]')
        lines.append("stages = [" + ", ".join(f'"{s}"' for s in stages) + "]")
        lines.append("")
    lines += ["[report]", f'deal_url = "{DEAL_URL}"', ""]
    if extensions:
        lines += ["# The office PBX (Asterisk) numbers each manager's phone: its call log names extensions.",
                  "[calls.extensions]"] + [f'"{ext}" = "{name}"' for ext, name in extensions.items()] + [""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def write_export(data: DemoData, folder: Path, seed: int = 7) -> tuple[Path, Path]:
    """deals.csv (Windows-1251, CRLF) and events.csv (UTF-8 with BOM) in amoCRM's layout.

    Written through Arrow's CSV writer (pandas' to_csv is pure Python per row): a million deals
    and five million events take seconds, for the benchmark.
    """
    rng = np.random.default_rng([seed, 1])
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    deals, history, activities = data.deals, data.stage_history, data.activities
    n = len(deals)

    # Last edit: the latest event of the deal. The inbox: where the deal's first move started.
    touched = pd.concat([history[["deal_id", "changed_at"]].rename(columns={"changed_at": "at"}),
                         activities[["deal_id", "at"]],
                         deals[["deal_id", "created_at"]].rename(columns={"created_at": "at"})])
    edited = touched.groupby("deal_id")["at"].max()
    first_from = history.drop_duplicates("deal_id").set_index("deal_id")["from_stage"]
    via_inbox = deals["deal_id"].map(first_from).eq(INBOX).fillna(False).to_numpy()
    source_draw, phone = _sources_and_phones(rng, n)
    system_source = np.where(via_inbox, source_draw, -1)
    email = _emails(rng, deals)
    amount = _amount_text(deals["amount"], rng.random(n) < 0.7)
    closed = pc.fill_null(_date_text(deals["closed_at"]), "не закрыта")
    columns = [deals["deal_id"], deals["title"], amount, deals["owner"], _date_text(deals["created_at"]),
               deals["created_by"], _date_text(deals["deal_id"].map(edited)), closed,
               _text(TAGS, rng.integers(0, len(TAGS), size=n)), deals["stage"], deals["pipeline"], deals["contact"],
               deals["company"], phone, email, deals["company"], deals["source"], deals["lost_reason"],
               _text(SYSTEM_SOURCES, system_source)]
    columns = [arrow_text(c) for c in columns]
    # HY08: values no parser can read, in the cells named by data.text_faults.
    at_header = {"Дата создания сделки": 4, "Дата закрытия": 7, "Бюджет": 2}
    raw_text = {"Дата создания сделки": BAD_DATE, "Дата закрытия": BAD_DATE, "Бюджет": BAD_AMOUNT}
    for header, ids in data.text_faults.items():
        hit = pc.is_in(columns[0], value_set=pa.array(list(ids), pa.large_string()))
        columns[at_header[header]] = pc.if_else(hit, _large(raw_text[header]), columns[at_header[header]])
    deals_path = folder / "deals.csv"
    _write_csv(deals_path, DEAL_HEADERS, columns, encoding="cp1251", newline="\r\n")

    known = pd.concat([deals, data.orphans if data.orphans is not None else deals.iloc[:0]]).drop_duplicates("deal_id")
    titles = known.set_index("deal_id")["title"]
    ids = pa.concat_arrays([arrow_text(history["deal_id"]), arrow_text(activities["deal_id"])])
    at = np.concatenate([history["changed_at"].to_numpy(), activities["at"].to_numpy()])
    kind = np.repeat([0, 1], [len(history), len(activities)])
    # amoCRM lists the newest event first; ties by deal, stage change before the contact.
    order = np.lexsort((kind, pc.cast(ids, pa.int64()).to_numpy(), -at.astype("datetime64[s]").astype(np.int64)))
    take = pa.array(order)
    event = pa.concat_arrays([arrow_text(pd.Series("Изменение этапа продажи", index=history.index, dtype="str")),
                              arrow_text(activities["subject"])])
    before = pa.concat_arrays([arrow_text(history["from_stage"]), pa.nulls(len(activities), pa.large_string())])
    after = pa.concat_arrays([arrow_text(history["to_stage"]), arrow_text(activities["result"])])
    ids = ids.take(take)
    columns = [_date_text(pd.Series(at[order])), pa.concat_arrays([arrow_text(history["changed_by"]),
                                                                  arrow_text(activities["owner"])]).take(take),
               pa.repeat(_large("Сделка"), len(order)), ids,
               arrow_text(titles).take(pa.array(pd.Index(titles.index).get_indexer(pd.Series(pd.array(ids, dtype="str"))))),
               event.take(take), before.take(take), after.take(take)]
    events_path = folder / "events.csv"
    _write_csv(events_path, EVENT_HEADERS, columns, encoding="utf-8-sig", newline="\n")
    return deals_path, events_path


def _write_csv(path: Path, headers, columns: list[pa.Array], *, encoding: str, newline: str) -> None:
    """';'-separated, nothing quoted (no generated value holds ';', '"' or a line break: Arrow
    refuses to write one unquoted, so a slip fails loudly)."""
    table = pa.Table.from_arrays([arrow_text(c) for c in columns], names=[f"c{i}" for i in range(len(columns))])
    buf = pa.BufferOutputStream()
    pacsv.write_csv(table, buf, pacsv.WriteOptions(include_header=False, delimiter=";", quoting_style="none"))
    data = (";".join(headers) + "\n").encode("utf-8") + buf.getvalue().to_pybytes()
    if newline != "\n":
        data = data.replace(b"\n", newline.encode("ascii"))
    if encoding == "utf-8-sig":
        data = codecs.BOM_UTF8 + data
    elif encoding.replace("_", "-").lower() not in ("utf-8", "utf8"):
        data = data.decode("utf-8").encode(encoding)
    path.write_bytes(data)


def _date_text(values: pd.Series) -> pa.Array:
    stamps = pa.array(pd.Series(values).astype("datetime64[s]"), pa.timestamp("s"))
    return pc.strftime(stamps, format=DATE_FORMAT)


def _amount_text(amount: pd.Series, spaced: np.ndarray) -> pd.Series:
    """150000 -> '150 000' (amoCRM's thousands separator) or '150000'."""
    value = amount.fillna(0).round().astype("int64")
    sign = np.where(value < 0, "-", "").astype(object)
    a = value.abs()
    millions, thousands, units = a // 1_000_000, (a // 1000) % 1000, a % 1000
    s_units = units.astype(str).str.zfill(3)
    s_thousands = thousands.astype(str)
    grouped = np.where(millions > 0, millions.astype(str) + " " + s_thousands.str.zfill(3) + " " + s_units,
                       np.where(thousands > 0, s_thousands + " " + s_units, units.astype(str)))
    plain = a.astype(str)
    return pd.Series(sign + np.where(spaced, grouped, plain.to_numpy()).astype(object), index=amount.index)


def _sources_and_phones(rng, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The system-source draw and the contacts' phones, in the order write_export draws them."""
    return rng.integers(0, len(SYSTEM_SOURCES), size=n), _phones(rng, n)


def deal_phones(n_deals: int, seed: int = 7) -> np.ndarray:
    """The contact phone write_export gives each deal ("+7 (916) 123-45-67"), for the call log."""
    return _sources_and_phones(np.random.default_rng([seed, 1]), n_deals)[1]


def _phones(rng, n: int) -> np.ndarray:
    d = rng.integers(0, 100, size=(n, 3))
    code = rng.integers(900, 1000, size=n)
    mid = rng.integers(100, 1000, size=n)
    fmt = np.char.zfill
    return ("+7 (" + code.astype(str).astype(object) + ") " + mid.astype(str).astype(object) + "-"
            + fmt(d[:, 0].astype(str), 2).astype(object) + "-" + fmt(d[:, 1].astype(str), 2).astype(object))


TRANSLIT = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s",
                     "t", "u", "f", "kh", "ts", "ch", "sh", "sch", "", "y", "", "e", "yu", "ya"]))


def _latin(text: str) -> str:
    return "".join(TRANSLIT.get(ch, ch if ch.isascii() and ch.isalnum() else "") for ch in text.lower())


def _emails(rng, deals: pd.DataFrame) -> np.ndarray:
    """i.smirnov@vektor-stroy.ru: translit of the contact and the company (a few dozen unique names)."""
    contact = deals["contact"].fillna("")
    company = deals["company"].fillna("")
    names = pd.Series(contact.unique())
    latin = dict(zip(names, [(_latin(c.split(" ")[0])[:1] + "." + _latin(c.split(" ")[-1])) if c else "info"
                             for c in names]))
    firms = pd.Series(company.unique())
    domain = dict(zip(firms, [(_latin(f.split("«")[-1].rstrip("»").replace(" ", "-")) or "mail") + ".ru"
                              for f in firms]))
    return (contact.map(latin) + "@" + company.map(domain)).to_numpy(dtype=object)
