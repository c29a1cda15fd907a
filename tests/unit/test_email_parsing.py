"""What must hold of reading an email: the new text, the sender, the thread, the files."""

from email.message import EmailMessage
from pathlib import Path

import pytest

from finestra.channels.email import (
    MailRejected,
    ParsedMail,
    html_to_text,
    parse_mail,
    reference_of,
    strip_quoted,
)

EMAIL_EVENTS = Path(__file__).resolve().parents[2] / "events" / "email"
NEW_TEXT = "El banc és davant del número 45.\n\nGràcies,\nNúria"
READABLE = sorted(
    path.name for path in EMAIL_EVENTS.glob("*.eml") if path.name != "malformed-mime.eml"
)


def read(name: str, *, max_attachments: int = 5) -> ParsedMail:
    return parse_mail((EMAIL_EVENTS / name).read_bytes(), max_attachments=max_attachments)


def mail_with_attachments(count: int) -> bytes:
    message = EmailMessage()
    message["From"] = "Jordi Roca <jordi.roca@example.com>"
    message["To"] = "bustia@finestra.example.org"
    message["Subject"] = "Fotos de la vorera"
    message["Message-ID"] = "<fotos-1@mail.example.com>"
    message.set_content("Us envio les fotos de la vorera aixecada.")
    for number in range(1, count + 1):
        message.add_attachment(
            b"\xff\xd8\xff\xe0 not really a photo",
            maintype="image",
            subtype="jpeg",
            filename=f"vorera-{number}.jpg",
        )
    return message.as_bytes()


@pytest.mark.parametrize(
    "history",
    [
        "On Fri, 13 Mar 2026 at 10:02, Ajuntament de Barcelona <bustia@finestra.example.org> "
        "wrote:\n> Could you tell us where the bench is?\n> Regards",
        "El dv., 13 de març 2026, a les 10:02, Ajuntament de Barcelona "
        "<bustia@finestra.example.org> va escriure:\n> Ens podeu indicar on és el banc?",
        "El vie, 13 mar 2026 a las 10:02, Ajuntament de Barcelona "
        "(<bustia@finestra.example.org>) escribió:\n> ¿Nos puede indicar dónde está el banco?",
        "-----Original Message-----\nFrom: Ajuntament de Barcelona\nSent: 13 March 2026 10:02\n"
        "Subject: BCN-2026-000123\n\nEns podeu indicar on és el banc?",
        "-----Missatge original-----\nDe: Ajuntament de Barcelona\n\nOn és el banc?",
        "-----Mensaje original-----\nDe: Ayuntamiento de Barcelona\n\n¿Dónde está el banco?",
    ],
    ids=["english", "catalan", "spanish", "outlook", "outlook-ca", "outlook-es"],
)
def test_the_quoted_history_of_a_reply_is_dropped_whatever_the_mail_client_language(
    history: str,
) -> None:
    # given a reply whose new text sits above the quoted history
    reply = f"{NEW_TEXT}\n\n{history}\n"

    # when the quoted part is stripped
    text = strip_quoted(reply)

    # then only the new text is left
    assert text == NEW_TEXT


def test_lines_quoted_with_a_chevron_are_dropped_and_the_lines_between_them_kept() -> None:
    # given a reply that answers inline, between quoted lines
    reply = "> On és el banc?\nDavant del número 45.\n>> I el fanal?\n  > Gràcies\nTambé apagat.\n"

    # when the quoted part is stripped
    text = strip_quoted(reply)

    # then the citizen's own lines are all that is left
    assert text == "Davant del número 45.\nTambé apagat."


def test_the_signature_below_the_separator_is_dropped() -> None:
    # given a message with a signature after the standard "-- " separator line
    message = f"{NEW_TEXT}\n-- \nNúria Ferrer Vidal\nTel. 612 345 678\n"

    # when the quoted part is stripped
    text = strip_quoted(message)

    # then the signature, and the phone number in it, are gone
    assert text == NEW_TEXT


def test_a_message_with_nothing_quoted_is_kept_whole() -> None:
    # given a first message, with no history and no signature separator
    message = "  Hi ha un forat al carrer de Balmes, 20.\n\nGràcies   \n"

    # when the quoted part is stripped
    text = strip_quoted(message)

    # then the text is kept, trimmed
    assert text == "Hi ha un forat al carrer de Balmes, 20.\n\nGràcies"


def test_html_loses_its_scripts_styles_and_quoted_blocks_and_keeps_its_paragraphs() -> None:
    # given an HTML body with a style, a script and a quoted earlier message
    markup = (
        "<html><head><style>p { color: red; }</style>"
        "<script>document.title = 'x';</script></head><body>"
        "<p>Bon dia,</p><p>Hi ha un forat &amp; molta aigua.</p>"
        "<blockquote><p>Ens podeu indicar on és?</p></blockquote>"
        "<p>Salutacions,<br>Laia</p></body></html>"
    )

    # when it is read as text
    text = html_to_text(markup)

    # then the paragraphs are there, one per line, and nothing else
    assert text.splitlines() == [
        "Bon dia,",
        "Hi ha un forat & molta aigua.",
        "",
        "Salutacions,",
        "Laia",
    ]
    for hidden in ("color", "document.title", "on és"):
        assert hidden not in text


@pytest.mark.parametrize("name", READABLE)
def test_every_well_formed_event_email_is_read_with_its_sender_and_text(name: str) -> None:
    # given a raw email as SES stores it

    # when it is parsed
    mail = read(name)

    # then it has one sender address and some text
    assert mail.sender.endswith(("@example.org", "@example.com"))
    assert mail.text
    assert mail.message_id


def test_the_malformed_event_email_is_rejected_as_malformed_mime() -> None:
    # given the raw email whose headers and parts are broken

    # when it is parsed
    with pytest.raises(MailRejected) as caught:
        read("malformed-mime.eml")

    # then it is rejected for that reason
    assert caught.value.reason == "malformed_mime"


def test_the_event_email_with_a_photo_yields_one_attachment_with_its_name_and_type() -> None:
    # given the raw email with a photo attached

    # when it is parsed
    mail = read("with-attachment.eml")

    # then the photo is the one attachment, decoded, and the text is the plain part
    assert [(name, kind) for name, kind, _ in mail.attachments] == [("vorera.jpg", "image/jpeg")]
    assert mail.attachments[0][2].startswith(b"\xff\xd8")
    assert mail.text.startswith("Bon dia,")
    assert "<p>" not in mail.text


def test_the_event_reply_yields_its_reference_and_loses_the_quoted_answer() -> None:
    # given the raw reply to the city's question about BCN-2026-000123

    # when it is parsed
    mail = read("reply-with-reference.eml")

    # then the reference is found, and only the new text is kept
    assert reference_of(mail) == "BCN-2026-000123"
    assert mail.display_name == "Núria Ferrer Vidal"
    assert mail.text.endswith("Gràcies,\nNúria")
    assert ">" not in mail.text
    assert "escribió" not in mail.text


def test_an_html_only_event_email_is_read_as_plain_text() -> None:
    # given the raw email with only an HTML body

    # when it is parsed
    mail = read("html-only-ca.eml")

    # then its text has no markup
    assert mail.text.startswith("Bona nit,")
    assert "<" not in mail.text


@pytest.mark.parametrize("name", ["new-request-es.eml", "html-only-ca.eml", "with-attachment.eml"])
def test_a_first_message_refers_to_no_request(name: str) -> None:
    # given a raw email that starts a new request

    # when it is parsed
    mail = read(name)

    # then it names no reference
    assert reference_of(mail) is None


def test_a_message_with_more_attachments_than_allowed_is_rejected() -> None:
    # given an email with three attachments, where two are allowed
    raw = mail_with_attachments(3)

    # when it is parsed
    with pytest.raises(MailRejected) as caught:
        parse_mail(raw, max_attachments=2)

    # then it is rejected for that reason
    assert caught.value.reason == "too_many_attachments"


def test_a_message_with_as_many_attachments_as_allowed_is_read() -> None:
    # given an email with exactly the allowed number of attachments
    raw = mail_with_attachments(2)

    # when it is parsed
    mail = parse_mail(raw, max_attachments=2)

    # then both are kept, by name
    assert [name for name, _, _ in mail.attachments] == ["vorera-1.jpg", "vorera-2.jpg"]


@pytest.mark.parametrize(
    ("subject", "headers", "reference"),
    [
        ("Re: [BCN-2026-000123] Banc trencat", [], "BCN-2026-000123"),
        ("RE: BCN-2026-000045-R2", [], "BCN-2026-000045-R2"),
        ("Banc trencat", ["<BCN-2026-000777@finestra.example.org>"], "BCN-2026-000777"),
        ("Banc trencat", ["<0102019ce7a1b4c2@eu-west-1.amazonses.com>"], None),
        ("Factura 2026-0315", [], None),
    ],
)
def test_the_reference_of_a_reply_comes_from_its_subject_or_threading_headers(
    subject: str, headers: list[str], reference: str | None
) -> None:
    # given a parsed mail with a subject and threading headers
    mail = ParsedMail(
        sender="nuria.ferrer@example.org",
        display_name=None,
        subject=subject,
        message_id="<m@example.org>",
        in_reply_to=headers,
        text="Gràcies",
        attachments=[],
    )

    # when its reference is read
    found = reference_of(mail)

    # then it is the request named there, if any
    assert found == reference
