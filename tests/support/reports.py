"""Thirty short news reports of twenty events (ten told twice, by two outlets in other words),
for the digest tests and the end-to-end digests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.sources.documents import RawStory


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
