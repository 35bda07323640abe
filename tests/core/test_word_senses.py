"""Does a short English word with several meanings read in the sense it has on the page?

"Subject" is an e-mail's subject and a teacher's school subject; "To" ends an e-mail's
address line and a range of dates; a person's "Name" and an organisation's "Name" are
different words in Chinese. Each sense is its own message (a `pgettext` context).
"""

import re

import pytest

from app.programmes.models import TeamRole


def label_of(html: str, field_id: str) -> str:
    return re.search(rf'<label for="{field_id}">([^<]*)</label>', html).group(1)


@pytest.mark.parametrize(
    ("locale", "school_subject", "email_subject"),
    [("es", "Asignatura", "Asunto"), ("zh_Hant", "任教科目", "主旨")],
)
def test_does_the_teacher_form_ask_for_the_school_subject_not_an_email_subject(
    client, auth, make_user, locale, school_subject, email_subject
):
    auth.login_as(make_user(locale=locale))
    html = client.get("/me/teacher").get_data(as_text=True)
    assert label_of(html, "school_subject") == school_subject
    assert email_subject not in html


@pytest.mark.parametrize(
    ("locale", "email_to", "email_subject"),
    [("es", "Para", "Asunto"), ("zh_Hant", "收件人", "主旨")],
)
def test_does_the_outbox_keep_the_email_words(
    client, auth, make_user, locale, email_to, email_subject
):
    admin = auth.login_as(make_user(is_admin=True, locale=locale))
    client.post("/account/reset", data={"email": admin.email})
    html = client.get("/admin/outbox").get_data(as_text=True)
    assert f'<th scope="col">{email_to}</th><th scope="col">{email_subject}</th>' in html


@pytest.mark.parametrize(("lang", "until"), [("es", "Hasta"), ("zh_Hant", "至")])
def test_does_the_catalogue_date_filter_end_with_until_not_an_email_recipient(client, lang, until):
    html = client.get(f"/programmes/?lang={lang}").get_data(as_text=True)
    assert label_of(html, "to") == until


def test_are_a_persons_and_an_organisations_name_different_words_in_chinese(
    client, auth, make_user
):
    auth.login_as(make_user(is_admin=True, locale="zh_Hant"))
    organisation = client.get("/admin/organisations/new").get_data(as_text=True)
    member = client.get("/me/household/new").get_data(as_text=True)
    assert label_of(organisation, "name") == "名稱"
    assert label_of(member, "name") == "姓名"


def test_are_seats_and_places_counted_in_the_plural_in_spanish(
    client, auth, make_user, make_programme, make_cohort
):
    """Seats and lists of places are "Confirmados"; one place's state is "Confirmado"."""
    organiser = make_user(locale="es")
    cohort = make_cohort(make_programme(team=[(organiser, TeamRole.LEAD)]))
    auth.login_as(organiser)
    html = client.get(
        f"/organise/programmes/{cohort.programme_id}/cohorts/{cohort.id}/enrolments"
    ).get_data(as_text=True)
    assert "<dt>Confirmados</dt>" in html
    assert "<dt>Libres</dt>" in html
    assert 'id="confirmed-heading">Confirmados' in html
