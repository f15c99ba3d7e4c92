"""A short news story as the summarizer takes it (title and paragraphs), for the summary tests
and the word-budget tests alike."""

from __future__ import annotations

from bot.nlp.summaries import StoryText

STORY = StoryText(
    "Flood barrier fails as river bursts its banks in York",
    [
        "A flood barrier in York failed on Sunday after the River Ouse rose to its highest level "
        "in twenty years, forcing 300 residents from their homes.",
        "The Environment Agency said the barrier's pumps were overwhelmed by debris shortly "
        "before midnight. Engineers worked through the night to restore power to the station.",
        "Council leader Anna Reid said emergency shelters had been opened at two schools in the "
        "city centre. Volunteers handed out blankets and hot food to families.",
        "Forecasters expect more rain on Tuesday, and the agency has issued 12 severe flood "
        "warnings along the Ouse and the Foss. Residents were told to move valuables upstairs.",
        "The barrier was built in 1987 and was last upgraded in 2017 at a cost of £38 million. "
        "Critics said the upgrade had not addressed the risk of blocked pumps.",
    ],
)
