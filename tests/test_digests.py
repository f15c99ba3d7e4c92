"""Digests: thirty stories, ten of them second reports of an event, make twenty items.

The stories are short realistic news reports: twenty events, ten reported again by another
outlet in other words. Some different events share a city, an institution or a topic (two rate
decisions, two Berlin stories), so grouping by one shared word would go wrong.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli.plain import digest_text
from bot.services.digests import (
    SAME_FACT,
    Digest,
    DigestItem,
    _overlap,
    _stems,
    build_digest,
    chat_digest,
    digest_json,
    headline,
)
from bot.services.ingest import Ingestor
from bot.sources.documents import RawStory
from db.schedules import mark_sent
from db.store import Store, Story
from handlers.render import MESSAGE_LIMIT, format_digest
from tests.conftest import article

CHAT = 1
EPOCH = "2000-01-01T00:00:00+00:00"


@dataclass(frozen=True)
class Report:
    event: str
    title: str
    text: str
    source: str
    url: str
    published: str


def _report(event: str, hour: int, source: str, slug: str, title: str, *paragraphs: str) -> Report:
    site = {"Wire": "wire.example.com", "Daily": "daily.example.org"}[source]
    return Report(
        event,
        title,
        "\n\n".join(paragraphs),
        f"{source} News",
        f"https://{site}/{slug}",
        (datetime(2024, 5, 6, tzinfo=UTC) + timedelta(hours=hour)).isoformat(),
    )


REPORTS: list[Report] = [
    # --- ten events reported twice -------------------------------------------------------
    _report(
        "quake",
        1,
        "Wire",
        "peru-quake",
        "Strong earthquake shakes southern Peru",
        "A magnitude 6.8 earthquake struck southern Peru early on Monday, shaking buildings "
        "in Arequipa and cutting power to thousands of homes, the national geophysical "
        "institute said.",
        "The quake hit at a depth of 40 kilometres about 60 kilometres from Arequipa. Local "
        "authorities reported cracked walls in older churches and two minor injuries.",
        "Peru sits on the Pacific Ring of Fire and records hundreds of tremors every year.",
    ),
    _report(
        "quake",
        2,
        "Daily",
        "arequipa-tremor",
        "Arequipa residents flee homes as tremor hits Peru",
        "Residents of Arequipa ran into the streets before dawn as a powerful tremor rattled "
        "southern Peru, knocking out electricity across several districts.",
        "Peru's geophysical institute measured the earthquake at 6.8 and said aftershocks were "
        "likely in the coming days. Firefighters checked damaged colonial churches in the "
        "historic centre of Arequipa.",
    ),
    _report(
        "ecb",
        3,
        "Wire",
        "ecb-cut",
        "European Central Bank cuts interest rates for the first time in five years",
        "The European Central Bank lowered its main interest rate by a quarter point on "
        "Monday, its first cut since 2019, as inflation in the eurozone eased towards its "
        "target.",
        "ECB president Christine Lagarde told reporters in Frankfurt that the governing council "
        "was not committing to further reductions. Markets had widely expected the move.",
    ),
    _report(
        "ecb",
        4,
        "Daily",
        "lagarde-rate-cut",
        "Lagarde delivers quarter-point rate cut as eurozone inflation cools",
        "Christine Lagarde announced in Frankfurt that the ECB would trim borrowing costs by "
        "25 basis points, ending a long run of record-high rates in the eurozone.",
        "The European Central Bank said price pressures had eased enough to justify a cut, but "
        "Lagarde warned that wage growth remained strong and future steps would depend on data.",
    ),
    _report(
        "berlin-strike",
        5,
        "Wire",
        "bvg-strike",
        "Berlin buses and trams halted by transit strike",
        "Buses, trams and underground trains stood still across Berlin on Monday as workers at "
        "the city's transport company BVG walked out in a dispute over pay and shift lengths.",
        "The Verdi union called the 24-hour strike after talks with BVG management collapsed "
        "last week. Commuters crowded onto S-Bahn suburban trains, which were not affected.",
    ),
    _report(
        "berlin-strike",
        6,
        "Daily",
        "verdi-walkout",
        "Verdi walkout leaves Berlin commuters stranded",
        "Hundreds of thousands of commuters in Berlin had to find other ways to work after the "
        "Verdi union brought BVG's underground, tram and bus network to a halt.",
        "Verdi said the strike would last a full day and demanded higher wages and shorter "
        "shifts for BVG drivers. The company called the walkout disproportionate.",
    ),
    _report(
        "ariane",
        7,
        "Wire",
        "ariane-launch",
        "Ariane 6 rocket puts weather satellite into orbit",
        "Europe's Ariane 6 rocket lifted off from Kourou in French Guiana on Monday and placed "
        "a new weather satellite into orbit, the European Space Agency said.",
        "The launch was the rocket's second commercial flight. The satellite will improve storm "
        "forecasts over Europe and Africa once it begins sending data later this year.",
    ),
    _report(
        "ariane",
        8,
        "Daily",
        "kourou-liftoff",
        "Europe's new launcher lifts off from Kourou with forecasting satellite",
        "A meteorological satellite is circling the Earth after an Ariane 6 launcher blasted off "
        "from the spaceport at Kourou in French Guiana.",
        "The European Space Agency called the mission a success. Forecasters expect the "
        "satellite's instruments to sharpen warnings of severe storms. Its first images are "
        "due within weeks.",
    ),
    _report(
        "football",
        9,
        "Wire",
        "madrid-bayern",
        "Real Madrid beat Bayern Munich to reach Champions League final",
        "Real Madrid scored twice in the last five minutes to beat Bayern Munich 2-1 at the "
        "Santiago Bernabeu and reach the Champions League final.",
        "Substitute Joselu struck in the 88th and 91st minutes after Alphonso Davies had given "
        "Bayern the lead. Madrid will play Borussia Dortmund in the final at Wembley.",
    ),
    _report(
        "football",
        10,
        "Daily",
        "joselu-double",
        "Late Joselu double sends Madrid to Wembley",
        "Joselu came off the bench to score two late goals as Real Madrid came from behind "
        "against Bayern Munich in the Champions League semi-final.",
        "Bayern had led through Alphonso Davies until the 88th minute. The Spanish champions "
        "now face Borussia Dortmund at Wembley on the first of June.",
    ),
    _report(
        "wildfire",
        11,
        "Wire",
        "kelowna-fire",
        "Wildfire forces thousands to evacuate near Kelowna",
        "A fast-moving wildfire in British Columbia forced about 4,000 people to leave their "
        "homes near Kelowna on Monday, provincial officials said.",
        "Strong winds pushed the fire across Okanagan Lake overnight. The BC Wildfire Service "
        "said more than 200 firefighters and ten helicopters were battling the blaze.",
    ),
    _report(
        "wildfire",
        12,
        "Daily",
        "okanagan-blaze",
        "Okanagan blaze jumps lake as British Columbia orders evacuations",
        "Evacuation orders now cover around 4,000 residents in the Kelowna area after a wildfire "
        "in British Columbia leapt across Okanagan Lake.",
        "Crews from the BC Wildfire Service fought the flames from the air and on the ground. "
        "Gusting winds and dry conditions are expected to continue.",
    ),
    _report(
        "recall",
        13,
        "Wire",
        "toyota-recall",
        "Toyota recalls 1.2 million cars over airbag sensor fault",
        "Toyota is recalling about 1.2 million vehicles in the United States because a faulty "
        "sensor may stop front passenger airbags from deploying in a crash.",
        "The carmaker said the recall covers several Camry, Corolla and RAV4 models built "
        "between 2020 and 2022. Dealers will replace the sensor free of charge.",
    ),
    _report(
        "recall",
        14,
        "Daily",
        "airbag-defect",
        "Airbag defect prompts Toyota recall of Camry, Corolla and RAV4 models",
        "Owners of some Camry, Corolla and RAV4 cars will be asked to bring them to a dealer "
        "after Toyota found an airbag sensor defect affecting 1.2 million vehicles.",
        "Toyota said it knew of no injuries linked to the fault. The repair takes about an hour "
        "and costs owners nothing.",
    ),
    _report(
        "mpox",
        15,
        "Wire",
        "who-mpox",
        "WHO ends global mpox health emergency",
        "The World Health Organization said on Monday that mpox is no longer a global health "
        "emergency, after cases fell steadily for several months.",
        "WHO director-general Tedros Adhanom Ghebreyesus said the virus still circulates in "
        "parts of Africa and countries must keep testing and vaccinating. More than 90,000 "
        "cases have been reported since the outbreak began.",
    ),
    _report(
        "mpox",
        16,
        "Daily",
        "tedros-mpox",
        "Tedros lifts mpox emergency but warns virus has not gone",
        "Tedros Adhanom Ghebreyesus declared the end of the mpox public health emergency of "
        "international concern, citing a sustained drop in infections.",
        "The World Health Organization chief urged governments in Africa and elsewhere not to "
        "let surveillance and vaccination lapse. The emergency had been in place since "
        "August of last year.",
    ),
    _report(
        "heat",
        17,
        "Wire",
        "delhi-heat",
        "Delhi swelters as temperature reaches 47 degrees",
        "Temperatures in New Delhi climbed to 47 degrees Celsius on Monday as a heatwave "
        "gripped northern India, the India Meteorological Department said.",
        "Schools in the Indian capital were closed early for the summer and hospitals set up "
        "special wards for patients with heatstroke. Power demand hit a record as air "
        "conditioners ran around the clock.",
    ),
    _report(
        "heat",
        18,
        "Daily",
        "india-heatwave",
        "Heatwave grips northern India with New Delhi at 47C",
        "A severe heatwave pushed the thermometer to 47C in New Delhi, according to the India "
        "Meteorological Department, which issued a red alert for the region.",
        "Hospitals in Delhi opened heatstroke wards and the city brought forward the summer "
        "school holidays. Forecasters expect no relief from the heat before the monsoon "
        "arrives next month.",
    ),
    _report(
        "uk-inflation",
        19,
        "Wire",
        "uk-cpi",
        "UK inflation falls to 3.2 percent",
        "Consumer price inflation in the United Kingdom fell to 3.2 percent in March from 3.4 "
        "percent in February, the Office for National Statistics said.",
        "Lower food prices drove the slowdown. Economists said the figures made a Bank of "
        "England rate cut in the summer more likely.",
    ),
    _report(
        "uk-inflation",
        20,
        "Daily",
        "ons-prices",
        "Cheaper food pulls British inflation down to 3.2%",
        "Britain's rate of inflation eased to 3.2% in March, figures from the Office for "
        "National Statistics showed, as food prices rose more slowly.",
        "The drop from 3.4% raised hopes that the Bank of England could begin cutting interest "
        "rates within months. Fuel prices, however, rose for a second month in a row.",
    ),
    # --- ten events reported once --------------------------------------------------------
    _report(
        "fed",
        21,
        "Wire",
        "fed-holds",
        "Federal Reserve keeps rates on hold in Washington",
        "The US Federal Reserve left its benchmark interest rate unchanged on Monday, saying it "
        "needed more confidence that inflation was moving sustainably towards two percent.",
        "Fed chair Jerome Powell said in Washington that the labour market remained strong and "
        "that policymakers were in no hurry to ease policy.",
    ),
    _report(
        "ber-terminal",
        22,
        "Daily",
        "ber-terminal",
        "Berlin airport opens second terminal after delays",
        "Berlin Brandenburg Airport opened its second passenger terminal on Monday, two years "
        "later than planned, adding room for six million travellers a year.",
        "The airport company said the terminal would mainly serve low-cost airlines. The "
        "airport itself opened in 2020 after nearly a decade of delays.",
    ),
    _report(
        "chicago-marathon",
        23,
        "Wire",
        "marathon-record",
        "Kenyan runner breaks marathon world record in Chicago",
        "Kenyan athlete Kelvin Kiptum won the Chicago Marathon in two hours and 35 seconds, "
        "breaking the world record by more than half a minute.",
        "Kiptum pulled away from the field after 30 kilometres and ran the second half alone. "
        "He was running only his third marathon.",
    ),
    _report(
        "iceland",
        24,
        "Daily",
        "reykjanes-eruption",
        "Volcano erupts again on Iceland's Reykjanes peninsula",
        "Lava burst from a new fissure on the Reykjanes peninsula in south-west Iceland on "
        "Monday, the fifth eruption in the area since December.",
        "The fishing town of Grindavik was evacuated again and the Blue Lagoon spa closed its "
        "doors. Iceland's Met Office said flights were not affected.",
    ),
    _report(
        "cyclone",
        25,
        "Wire",
        "cyclone-bangladesh",
        "Cyclone Remal makes landfall in Bangladesh",
        "Cyclone Remal hit the coast of Bangladesh with winds of up to 120 kilometres an hour, "
        "flooding low-lying villages and tearing roofs off houses.",
        "Authorities had moved nearly 800,000 people to storm shelters before landfall. Power "
        "was cut across coastal districts as a precaution.",
    ),
    _report(
        "amazon",
        26,
        "Daily",
        "amazon-deforestation",
        "Deforestation in Brazil's Amazon falls by a third",
        "Clearing of the Amazon rainforest in Brazil fell 30 percent in the twelve months to "
        "July, according to satellite data from the space research agency INPE.",
        "Environment minister Marina Silva credited stronger enforcement against illegal "
        "loggers and ranchers for the decline. Scientists warned that drought could still "
        "bring a severe fire season.",
    ),
    _report(
        "louvre",
        27,
        "Wire",
        "louvre-walkout",
        "Louvre closes for the day as staff walk out over crowding",
        "The Louvre museum in Paris stayed shut on Monday after guards and ticket staff walked "
        "out in protest at overcrowding and understaffing.",
        "Thousands of visitors queued outside the glass pyramid before the museum announced it "
        "would not open. Unions want more hires before the summer season.",
    ),
    _report(
        "outage",
        28,
        "Daily",
        "outlook-outage",
        "Microsoft Outlook and Teams hit by hours-long outage",
        "Millions of users were unable to send email or join meetings on Monday after an outage "
        "hit Microsoft's Outlook and Teams services.",
        "Microsoft said a faulty configuration change caused the problem and that it had rolled "
        "the change back. Service was restored after about five hours.",
    ),
    _report(
        "nintendo",
        29,
        "Wire",
        "nintendo-console",
        "Nintendo confirms successor to the Switch console",
        "Nintendo said on Monday that it would announce a successor to its best-selling Switch "
        "console within the current financial year.",
        "President Shuntaro Furukawa gave no details of the new hardware's features or price. "
        "The Switch has sold more than 140 million units since 2017, making it one of the "
        "best-selling consoles ever.",
    ),
    _report(
        "orca",
        30,
        "Daily",
        "orca-yacht",
        "Orcas sink sailing yacht off the coast of Morocco",
        "A group of orcas rammed and sank a sailing yacht in the Strait of Gibraltar off "
        "Morocco, Spain's maritime rescue service said.",
        "The two people on board were picked up by a passing tanker. Scientists have recorded "
        "hundreds of such encounters with orcas in the area since 2020.",
    ),
]

EVENTS = list(dict.fromkeys(report.event for report in REPORTS))
REPEATED = {event for event in EVENTS if sum(r.event == event for r in REPORTS) == 2}


def raw(report: Report) -> RawStory:
    """The report as ingest receives it."""
    return RawStory(
        text=report.text,
        title=report.title,
        url=report.url,
        source=report.source,
        source_kind="link",
        published=report.published,
    )


def ingest_reports(store: Store, chat_id: int = CHAT) -> list[Story]:
    """Store all thirty reports in the chat; their ids follow REPORTS' order."""
    outcomes = Ingestor(store).ingest(chat_id, [raw(r) for r in REPORTS])
    assert [o.status for o in outcomes] == ["added"] * len(REPORTS)
    return [o.story for o in outcomes if o.story is not None]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, dict[int, str]]:
    """One store with the thirty reports, shared by the tests that only read it."""
    store = Store(tmp_path_factory.mktemp("digest") / "digest.db")
    stories = ingest_reports(store)
    yield store, {story.id: report.event for story, report in zip(stories, REPORTS, strict=True)}
    store.close()


@pytest.fixture(scope="module")
def full(loaded: tuple[Store, dict[int, str]]) -> Digest:
    store, _ = loaded
    return build_digest(store.chat(CHAT), EPOCH, max_items=50)


# -- grouping --------------------------------------------------------------------------------


def test_thirty_stories_with_ten_repeats_make_twenty_items(
    full: Digest, loaded: tuple[Store, dict[int, str]]
) -> None:
    _, event_of = loaded
    assert len(full.items) == 20 and full.more == 0 and full.story_count == 30
    grouped = [{event_of[i] for i in item.story_ids} for item in full.items]
    assert all(len(events) == 1 for events in grouped), grouped  # nothing merged wrongly
    assert {next(iter(events)) for events in grouped} == set(EVENTS)  # nothing split
    for item in full.items:
        event = event_of[item.story_ids[0]]
        assert len(item.story_ids) == (2 if event in REPEATED else 1)


def test_items_are_ordered_by_reports_then_recency(
    full: Digest, loaded: tuple[Store, dict[int, str]]
) -> None:
    store, _ = loaded
    counts = [len(item.story_ids) for item in full.items]
    assert counts == [2] * 10 + [1] * 10
    latest = [
        max(store.chat(CHAT).story(i).published for i in item.story_ids) for item in full.items
    ]
    assert latest[:10] == sorted(latest[:10], reverse=True)
    assert latest[10:] == sorted(latest[10:], reverse=True)


def test_each_item_has_headline_short_summary_and_sources(full: Digest) -> None:
    titles = {r.title for r in REPORTS}
    urls = {r.url for r in REPORTS}
    for item in full.items:
        assert item.headline in titles
        assert 1 <= len(item.summary) <= 2
        assert any(source in urls for source in item.sources)
        assert any(source in ("Wire News", "Daily News") for source in item.sources)


def test_no_fact_is_told_twice(full: Digest) -> None:
    sentences = [s for item in full.items for s in item.summary]
    assert len(sentences) == len(set(sentences))
    stems = [frozenset(_stems(s)) for s in sentences]
    for i, a in enumerate(stems):
        for b in stems[i + 1 :]:
            assert _overlap(a, b) < SAME_FACT
    # Two outlets' leads say the same thing in other words: an item keeps one of them.
    leads = {r.text.split("\n\n")[0].split(". ")[0] for r in REPORTS}
    for item in full.items:
        assert sum(any(lead.startswith(s[:60]) for lead in leads) for s in item.summary) <= 1


def test_a_sentence_shared_by_two_events_appears_once(store: Store) -> None:
    shared = (
        "The regional government said it would publish a full report on the matter "
        "within thirty days."
    )
    stories = [
        RawStory(text=f"{shared}\n\n{article('harbour bridge')}", title="Harbour bridge approved"),
        RawStory(text=f"{shared}\n\n{article('tram line')}", title="Tram line approved"),
    ]
    Ingestor(store).ingest(CHAT, stories)
    digest = build_digest(store.chat(CHAT), EPOCH)
    told = [s for item in digest.items for s in item.summary]
    assert sum(shared in s for s in told) <= 1
    assert len(told) == len(set(told))


# -- the period and the limit ----------------------------------------------------------------


def test_default_limit_keeps_ten_and_counts_the_rest(loaded: tuple[Store, dict[int, str]]) -> None:
    store, _ = loaded
    digest = build_digest(store.chat(CHAT), EPOCH)
    assert len(digest.items) == 10 and digest.more == 10
    assert "and 10 more — see /list" in digest_text(digest)
    store.chat(CHAT).change_setting("digest_items", "3")
    try:
        assert len(build_digest(store.chat(CHAT), EPOCH).items) == 3
    finally:
        store.chat(CHAT).change_setting("digest_items", "10")


def test_an_empty_period_says_nothing_new_since_when(store: Store) -> None:
    ingest_reports(store)
    future = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    digest = build_digest(store.chat(CHAT), future.isoformat())
    assert digest.items == [] and digest.more == 0
    reply = format_digest(digest, "Europe/Berlin")
    local = future.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Berlin"))
    assert reply.messages == [
        f"Nothing new since {local:%a} {local.day} {local:%b}, {local:%H:%M} {local.tzname()}."
    ]


def test_the_next_digest_starts_where_the_last_one_ended(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingestor = Ingestor(store)
    ingestor.ingest(CHAT, [raw(REPORTS[0])])
    first = chat_digest(store, CHAT)  # no digest before: the last 24 hours
    assert [item.headline for item in first.items] == [REPORTS[0].title]
    sent = datetime.fromisoformat(first.until)
    mark_sent(store, CHAT, sent)
    assert chat_digest(store, CHAT).items == []
    # The second report arrives after the digest: the next digest has it, and only it.
    monkeypatch.setattr("db.store.utc_now", lambda: (sent + timedelta(minutes=5)).isoformat())
    ingestor.ingest(CHAT, [raw(REPORTS[1])])
    later = chat_digest(store, CHAT, now=sent + timedelta(hours=1))
    assert later.since == first.until
    assert [item.headline for item in later.items] == [REPORTS[1].title]


def test_stories_outside_the_period_are_left_out(loaded: tuple[Store, dict[int, str]]) -> None:
    store, _ = loaded
    past = "2001-01-01T00:00:00+00:00"
    digest = build_digest(store.chat(CHAT), EPOCH, until=past)
    assert digest.items == [] and digest.story_count == 0
    assert (digest.since, digest.until) == (EPOCH, past)


# -- showing ---------------------------------------------------------------------------------


def test_a_long_digest_splits_between_items_only() -> None:
    long_sentence = "The council <said> the works & repairs would take months. " * 12
    items = [
        DigestItem(
            f"Event {n} <b>headline</b>",
            [long_sentence.strip()],
            [n],
            ["Wire News", f"https://wire.example.com/{n}"],
        )
        for n in range(1, 31)
    ]
    digest = Digest(items, EPOCH, "2000-01-02T00:00:00+00:00", more=4, story_count=34)
    reply = format_digest(digest)
    assert len(reply.messages) > 1
    assert all(len(m) <= MESSAGE_LIMIT for m in reply.messages)
    for n in range(1, 31):
        holding = [m for m in reply.messages if f"<b>{n}. Event {n} &lt;b&gt;" in m]
        assert len(holding) == 1  # each item once, escaped
        assert f'href="https://wire.example.com/{n}"' in holding[0]  # its footer went with it
    assert "<b>headline</b>" not in "".join(reply.messages)
    assert "and 4 more" in reply.messages[-1]


def test_digest_fits_one_message_when_it_can(full: Digest) -> None:
    reply = format_digest(
        Digest(full.items[:5], full.since, full.until, 0, 10), zone="America/New_York"
    )
    assert len(reply.messages) == 1
    assert reply.messages[0].startswith("<b>Digest: 5 events from 10 stories since ")


def test_headline_made_from_the_lead_when_the_title_is_cut(store: Store) -> None:
    text = (
        "Flood barriers along the river were raised overnight after forecasters warned of the "
        "highest tide in forty years, and residents of low-lying streets were told to move "
        "their cars to higher ground.\n\n" + article("flood barrier")
    )
    [outcome] = Ingestor(store).ingest(CHAT, [RawStory(text=text)])
    assert outcome.story is not None and outcome.story.title.endswith("…")
    made = headline(outcome.story)
    assert made.startswith("Flood barriers along the river were raised overnight")
    assert len(made.split()) <= 16


def test_json_shape(full: Digest) -> None:
    data = json.loads(json.dumps(digest_json(full)))
    assert set(data) == {"items", "since", "until"}
    assert set(data["items"][0]) == {"headline", "summary", "story_ids", "sources"}


def test_building_is_fast(loaded: tuple[Store, dict[int, str]], tmp_path: Path) -> None:
    store, _ = loaded
    start = datetime.now()
    build_digest(store.chat(CHAT), EPOCH, max_items=50)
    assert (datetime.now() - start).total_seconds() < 5
