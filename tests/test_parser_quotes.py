"""Quote attribution classes on made-up paragraphs: who speaks, and None when the text does not say."""

from __future__ import annotations

import pytest

from bot.briefing.quotes import extract_quotes, name_spans


def speakers(*paragraphs: str) -> dict[str, str | None]:
    return {q.text: q.speaker for q in extract_quotes(list(paragraphs))}


@pytest.mark.parametrize(
    ("paragraph", "speaker"),
    [
        ('"The bridge will reopen," Anna Berg said.', "Anna Berg"),
        ('"The bridge will reopen," said Anna Berg.', "Anna Berg"),
        ('Anna Berg told reporters: "The bridge will reopen."', "Anna Berg"),
        ('"The bridge will reopen," Anna Berg told reporters on Monday.', "Anna Berg"),
        ('According to Anna Berg, "the bridge will reopen."', "Anna Berg"),
        ('Anna Berg, the transport minister, said "the bridge will reopen."', "Anna Berg"),
        ('"The bridge will reopen," said Sen. Anna K. Berg. "Soon."', "Anna K. Berg"),
        ('President Anna Berg said: "The bridge will reopen."', "Anna Berg"),
        ('"The bridge will reopen," the ministry said in a statement.', "ministry"),
        ('Berg: "The bridge will reopen."', "Berg"),
        ('"Vi byggjum brúna," sagði Ólafur Ragnar Grímsson, adding "The bridge will reopen."', "Ólafur Ragnar Grímsson"),
        ('"The bridge will reopen," said Ali Şahin of Zürich.', "Ali Şahin"),
    ],
)  # fmt: skip
def test_attribution_forms(paragraph: str, speaker: str) -> None:
    found = {text.lower().rstrip(",."): who for text, who in speakers(paragraph).items()}
    assert found["the bridge will reopen"] == speaker


def test_speaker_in_an_earlier_sentence_or_paragraph() -> None:
    found = speakers(
        "Anna Berg, an engineer in Lyon, tells reporters the cracks were found in May.",
        '"We saw the steel move. Nobody was on the deck."',
        "Officials closed the road. Berg says the repairs will take a year.",
        '"It is the oldest span in the region."',
    )
    assert found["We saw the steel move. Nobody was on the deck."] == "Anna Berg"
    assert found["It is the oldest span in the region."] == "Anna Berg"


def test_colon_at_the_end_of_a_paragraph_introduces_the_next() -> None:
    found = speakers('"Roads matter," said Tomas Ruiz at the hearing:', '"We will fund every one of them."')
    assert found["We will fund every one of them."] == "Tomas Ruiz"


def test_quote_over_several_paragraphs_and_a_split_quote() -> None:
    found = speakers(
        '"We lost the harvest. The river rose in one night.',
        '"Nobody warned us," said Ines Alves. "Next year we move."',
    )
    assert set(found.values()) == {"Ines Alves"}


def test_pronouns_and_surnames_resolve_to_the_full_name() -> None:
    found = speakers(
        "Prime Minister Kamala Harris visited the port.",
        '"Trade is back," she said.',
        '"Ships are full," Harris added.',
    )
    assert found == {"Trade is back,": "Kamala Harris", "Ships are full,": "Kamala Harris"}


def test_no_attributable_speaker_is_none() -> None:
    found = speakers(
        "The report, titled “Cities in Water”, was published on Monday.",
        "Residents described the night as 'long and cold' in interviews.",
        '"Nobody knows what happens next."',
    )
    assert found["Cities in Water"] is None
    assert found["Nobody knows what happens next."] is None


def test_name_spans_any_script() -> None:
    text = "Ólafur Ragnar Grímsson met Ali Şahin and the Bank of England in Zürich."
    assert [text[a:b] for a, b in name_spans(text)] == [
        "Ólafur Ragnar Grímsson", "Ali Şahin", "Bank of England", "Zürich",
    ]  # fmt: skip


def test_he_after_a_plural_subject_and_a_full_stop_inside_a_name_run() -> None:
    found = speakers(
        'Analysts had expected the pause. "It was predictable," said Maria Olsen, an economist at ABN. '
        'She added that a cut was "likely but not certain."',
    )
    assert found == {"It was predictable,": "Maria Olsen", "likely but not certain.": "Maria Olsen"}


def test_unnamed_others_are_not_speakers() -> None:
    found = speakers('"Prices are high," one trader said. Another said the euro was "a little softer."')
    assert found["a little softer."] is None
    assert found["Prices are high,"] == "one trader"


def test_relative_clause_after_the_speaker_and_commas_inside_numbers() -> None:
    found = speakers(
        'Albertsons, which has about 2,270 stores, said it would "continue to operate."',
        '"This is a win," Lina Khan told reporters. Khan, who has fought several mergers, added: "Competition matters."',
    )
    assert found == {
        "continue to operate.": "Albertsons",
        "This is a win,": "Lina Khan",
        "Competition matters.": "Lina Khan",
    }


def test_the_company_speaks_under_the_name_given_before() -> None:
    found = speakers(
        "Meanwhile, Northwind Foods, the country's largest baker, says it will close 40 plants.",
        "Jane Ortiz, a union leader, called the plan cruel.",
        "The company says it must cut costs to the “bare minimum needed to survive.”",
    )
    assert found["bare minimum needed to survive."] == "Northwind Foods"
    assert speakers('"We are profitable," the company said.') == {"We are profitable,": "company"}


def test_age_interrupted_quote_and_the_person_named_just_before() -> None:
    found = speakers(
        "Maya Okonkwo scored 31 points.",
        '"I kept shooting," Okonkwo, 22, said. Coach Noelle Quinn agreed. "She has," Quinn said, "a calm head."',
        'Her mother, Ada, watched from the stands. "I cried all game," she said.',
    )
    assert found == {
        "I kept shooting,": "Maya Okonkwo",
        "She has,": "Noelle Quinn",
        "a calm head.": "Noelle Quinn",
        "I cried all game,": "Ada",
    }


def test_person_of_an_institution() -> None:
    found = speakers(
        '"Every step counts," said Dr. Priya Raman of the University of Sydney, the lead author.',
        '"Rates will hold," said the Bank of England.',
        'Secretary of State Anna Berg said: "We will help."',
    )
    assert found == {
        "Every step counts,": "Priya Raman",
        "Rates will hold,": "Bank of England",
        "We will help.": "Anna Berg",
    }


def test_single_quotes_with_apostrophes_and_name_tags_with_titles() -> None:
    found = speakers(
        "‘We’ve heard it all before,’ said Gloria Mendes, 67, whose basement flooded.",
        'Councillor Tom Reyes: "Who pays for this?"',
        "'It isn't over,' Reyes added.",
    )
    assert found == {
        "We’ve heard it all before,": "Gloria Mendes",
        "Who pays for this?": "Tom Reyes",
        "It isn't over,": "Tom Reyes",
    }


def test_a_following_clause_with_its_own_speaker() -> None:
    found = speakers(
        'Prime Minister Rishi Sunak called it "a major moment," while opposition leader Keir Starmer said families '
        'were struggling. "Prices are still rising," Starmer said.'
    )
    assert found == {"a major moment,": "Rishi Sunak", "Prices are still rising,": "Keir Starmer"}
