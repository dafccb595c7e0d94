from __future__ import annotations

import codecs
import os
from pathlib import Path

import pytest

from desktop_app.contacts import import_export as contacts_io
from desktop_app.contacts.directory import Contact, ContactDirectory
from desktop_app.contacts.import_export import EXPORT_HEADER, ImportReport, export_csv, import_file
from desktop_app.core.texts import UserError


@pytest.fixture
def directory(profile):
    with ContactDirectory(profile.db_path) as opened:
        yield opened


def write(path: Path, text: str, encoding: str) -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def fields(contact: Contact) -> tuple:
    return (
        contact.name,
        contact.company,
        contact.phones,
        contact.manager,
        contact.email,
        contact.note,
        contact.crm_url,
    )


def problems(report: ImportReport) -> list[tuple[int, str]]:
    return [(problem.line, str(problem.reason)) for problem in report.skipped]


RUSSIAN_CSV = (
    "ФИО;Компания;Телефон;Менеджер;Почта;Комментарий;Ссылка\r\n"
    "Иванов Иван;ООО Ромашка;8 (999) 123-45-67;700;ivan@romashka.ru;VIP-клиент;https://crm.example.ru/1\r\n"
    ";ООО Вектор;+7 495 111-22-33, 8 495 111-22-34;;;;\r\n"
    'Пётр Сидоров;;79990000001;;;"звонить;\r\nпосле обеда";\r\n'
)


def test_cp1251_with_semicolons_and_russian_headers(directory, tmp_path):
    path = write(tmp_path / "clients.csv", RUSSIAN_CSV, "cp1251")
    report = import_file(directory, path)
    assert (report.added, report.updated, report.unchanged, report.skipped) == (3, 0, 0, [])
    ivan, vector, petr = directory.all()
    assert fields(ivan) == (
        "Иванов Иван",
        "ООО Ромашка",
        ("79991234567",),
        "700",
        "ivan@romashka.ru",
        "VIP-клиент",
        "https://crm.example.ru/1",
    )
    assert (vector.name, vector.company, vector.phones) == ("", "ООО Вектор", ("74951112233", "74951112234"))
    assert petr.note == "звонить;\r\nпосле обеда"
    assert directory.client_answer("84951112234") == {"name": "ООО Вектор"}


def test_utf8_bom_with_commas_and_english_headers(directory, tmp_path):
    text = (
        " Name , COMPANY,Phones,Responsible,E-mail,Notes,URL\n"
        'John Smith,Acme,"+7 999 123-45-67; 8 999 123-45-68\n8 999 123-45-69",701,john@acme.com,,crm.acme.com/c/1\n'
        "Kate,,+49 151 12345678,,,,\n"
    )
    path = write(tmp_path / "export.csv", "\ufeff" + text, "utf-8")
    report = import_file(directory, path)
    assert (report.added, report.skipped) == (2, [])
    john, kate = directory.all()
    assert john.name == "John Smith"  # the BOM is not part of the first header
    assert john.phones == ("79991234567", "79991234568", "79991234569")
    assert (john.manager, john.email, john.crm_url) == ("701", "john@acme.com", "https://crm.acme.com/c/1")
    assert kate.phones == ("4915112345678",)


def test_utf8_without_bom_excel_sep_line_and_name_parts(directory, tmp_path):
    text = (
        "sep=,\n"
        "Фамилия,Имя,Отчество,Телефон 1,Телефон 2,Организация,Примечание\n"
        "Иванов,Иван,Иванович,89991234567,84951112233,Ромашка,первый\n"
        "\n"
        ",Мария,,89990000001,,,\n"
    )
    path = write(tmp_path / "people.txt", text, "utf-8")
    report = import_file(directory, path)
    assert (report.added, report.skipped) == (2, [])
    ivan, maria = directory.all()
    assert ivan.name == "Иванов Иван Иванович"
    assert ivan.phones == ("79991234567", "74951112233")
    assert (ivan.company, ivan.note) == ("Ромашка", "первый")
    assert maria.name == "Мария"


def test_excel_unicode_text_utf16_with_tabs(directory, tmp_path):
    text = "Имя\tТелефон\r\nИван\t8 999 123-45-67\r\n"
    path = tmp_path / "unicode.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    report = import_file(directory, path)
    assert report.added == 1
    assert directory.client_answer("79991234567") == {"name": "Иван"}


BROKEN_CSV = (
    "Name;Phone;Manager;Email\n"  # 1
    "Good One;89991234567;;\n"  # 2
    ";89991234568;;\n"  # 3: no name and no company
    "No Phone;;;\n"  # 4
    "Bad Number;8 999 12;;\n"  # 5
    '"Multi\nLine";89991234569;;\n'  # 6-7: good, two lines
    "Bad Manager;89991234570;Иванов;\n"  # 8
    "Bad Mail;89991234571;;mail.ru\n"  # 9
    "Excel Float;7,9991E+10;;\n"  # 10
    "One Bad Of Two;89991234572, hello;;\n"  # 11
    "Good Two;89991234573;;\n"  # 12
)


def test_broken_rows_are_reported_with_line_numbers_and_skipped(directory, tmp_path):
    path = write(tmp_path / "broken.csv", BROKEN_CSV, "utf-8")
    report = import_file(directory, path)
    assert report.added == 3
    assert [c.name for c in directory] == ["Good One", "Multi Line", "Good Two"]
    assert problems(report) == [
        (3, "No name and no company"),
        (4, "No phone number"),
        (5, "Not a phone number: 8 999 12"),
        (8, "The manager must be an extension number, not Иванов"),
        (9, "Not an e-mail address: mail.ru"),
        (10, "Excel turned the number 7,9991E+10 into scientific notation; format the phone column as text"),
        (11, "Not a phone number: hello"),
    ]
    assert report.skipped_count == 7
    lines = report.lines()
    assert lines[0] == "Added: 3, updated: 0, unchanged: 0, skipped: 7."
    assert lines[1] == "Line 3: No name and no company"
    assert str(report.skipped[1]) == "Line 4: No phone number"
    assert report.skipped[0].text().context == "csv"  # translatable: the row line of every CSV import


def test_a_file_imported_twice_adds_nothing(directory, tmp_path):
    path = write(tmp_path / "clients.csv", RUSSIAN_CSV, "cp1251")
    import_file(directory, path)
    before = directory.all()
    again = import_file(directory, path)
    assert (again.added, again.updated, again.unchanged, again.skipped) == (0, 0, 3, [])
    after = directory.all()
    assert after == before
    assert [c.updated for c in after] == [c.updated for c in before]


def test_a_changed_row_updates_the_contact_it_matches(directory, tmp_path):
    stored = directory.add(Contact(name="Иванов Иван", phones=("89991234567", "701"), note="руками"))
    text = "Имя;Телефон;Почта\nиванов  иван;+7 999 123-45-67, 8 999 000-00-01;ivan@example.ru\nДругой;89991234567;\n"
    report = import_file(directory, write(tmp_path / "c.csv", text, "utf-8"))
    assert (report.added, report.updated) == (1, 1)
    updated = directory.get(stored.id)
    assert updated.phones == ("79991234567", "701", "79990000001")  # numbers added by hand stay
    # Names match ignoring case and spaces; the file's spelling wins, as every field it fills.
    assert (updated.email, updated.note, updated.name) == ("ivan@example.ru", "руками", "иванов иван")
    # The same number with another name is another contact sharing it.
    assert sorted(c.name for c in directory.find_by_number("79991234567")) == ["Другой", "иванов иван"]


def test_duplicate_rows_in_one_file_make_one_contact(directory, tmp_path):
    text = "name,phone\nИван,89991234567\nИван,+79991234567\n"
    report = import_file(directory, write(tmp_path / "dup.csv", text, "utf-8"))
    assert (report.added, report.unchanged) == (1, 1)


def test_export_then_import_round_trip(directory, tmp_path, profile):
    originals = [
        Contact(
            name="Иванов Иван",
            company="ООО «Ромашка»; филиал",
            phones=("89991234567", "+49 151 12345678", "701"),
            manager="700",
            email="ivan@example.ru",
            note='многострочная\nзаметка с "кавычками"',
            crm_url="https://crm.example.ru/deal?id=1&x=2",
        ),
        Contact(company='=HYPERLINK("http://evil")', phones=("84951112233",)),
        Contact(name="'quoted", note="-1+2", phones=("84951112234",)),
        Contact(name="@mention", phones=("84951112235",)),
    ]
    for contact in originals:
        directory.add(contact)
    path = tmp_path / "out.csv"
    assert export_csv(directory, path) == 4

    raw = path.read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0] == ";".join(EXPORT_HEADER)
    assert "'+7 999 123-45-67, '+49" not in text  # one guard per cell, not per number
    assert "'+7 999 123-45-67, +49 1511 2345678, 701" in text
    assert "'=HYPERLINK" in text and "''quoted" in text and "'-1+2" in text and "'@mention" in text

    with ContactDirectory(tmp_path / "other.sqlite3") as fresh:
        report = import_file(fresh, path)
        assert (report.added, report.skipped) == (4, [])
        assert [fields(c) for c in fresh] == [fields(c) for c in directory]
    again = import_file(directory, path)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 4)


def test_export_replaces_an_existing_file_and_leaves_no_temporary(directory, tmp_path):
    directory.add(Contact(name="A", phones=("89991234567",)))
    (tmp_path / "exports").mkdir()
    path = tmp_path / "exports" / "out.csv"
    path.write_text("old content")
    assert export_csv(directory, path) == 1
    assert "old content" not in path.read_text(encoding="utf-8-sig")
    assert os.listdir(tmp_path / "exports") == ["out.csv"]


def test_export_to_a_missing_folder_is_a_user_error(directory, tmp_path):
    with pytest.raises(UserError) as caught:
        export_csv(directory, tmp_path / "missing" / "out.csv")
    assert "Cannot write" in str(caught.value)


VCARD_3 = (
    "BEGIN:VCARD\r\n"
    "VERSION:3.0\r\n"
    "N:Иванов;Иван;Иванович;;\r\n"
    "FN:Иван Иванов\r\n"
    "ORG:ООО Ромашка\\; и партнёры;Отдел продаж\r\n"
    "item1.TEL;TYPE=CELL,VOICE:+7 (999) 123-45-67\r\n"
    "TEL;TYPE=WORK:8 495 111-22-33\r\n"
    "EMAIL;TYPE=INTERNET:ivan@example.ru\r\n"
    "NOTE:Первая строка\\nвторая\\, с запятой и длинным хвостом, который телефон\r\n"
    "  перенёс на следующую строку\r\n"
    "URL:https://crm.example.ru/contacts/1\r\n"
    "END:VCARD\r\n"
    "BEGIN:VCARD\r\n"
    "VERSION:3.0\r\n"
    "N:Smith;John;;;\r\n"
    "TEL:89990000001\r\n"
    "END:VCARD\r\n"
)

VCARD_4 = (
    "BEGIN:VCARD\n"
    "VERSION:4.0\n"
    "FN:Мария Петрова\n"
    "ORG:Вектор\n"
    'TEL;VALUE=uri;TYPE="voice,cell";PREF=1:tel:+7-999-123-45-68\n'
    "TEL;VALUE=uri:tel:+7-495-111-22-34;ext=102\n"
    "EMAIL:maria@vector.ru\n"
    "END:VCARD\n"
)


def test_vcard_3(directory, tmp_path):
    report = import_file(directory, write(tmp_path / "contacts.vcf", VCARD_3, "utf-8"))
    assert (report.added, report.skipped) == (2, [])
    ivan, john = directory.all()
    assert fields(ivan) == (
        "Иван Иванов",
        "ООО Ромашка; и партнёры",
        ("79991234567", "74951112233"),
        "",
        "ivan@example.ru",
        "Первая строка\nвторая, с запятой и длинным хвостом, который телефон перенёс на следующую строку",
        "https://crm.example.ru/contacts/1",
    )
    assert john.name == "John Smith"  # no FN: built from N


def test_vcard_4_with_tel_uris(directory, tmp_path):
    report = import_file(directory, write(tmp_path / "export.vcf", VCARD_4, "utf-8"))
    assert (report.added, report.skipped) == (1, [])
    (maria,) = directory.all()
    assert (maria.name, maria.company, maria.email) == ("Мария Петрова", "Вектор", "maria@vector.ru")
    assert maria.phones == ("79991234568", "74951112234")
    assert import_file(directory, tmp_path / "export.vcf").unchanged == 1


def test_vcard_is_recognised_by_content_and_in_cp1251(directory, tmp_path):
    path = write(tmp_path / "contacts.txt", "BEGIN:VCARD\nVERSION:3.0\nFN:Пётр\nTEL:89991234567\nEND:VCARD\n", "cp1251")
    assert import_file(directory, path).added == 1
    assert directory.client_answer("79991234567") == {"name": "Пётр"}


def test_vcard_2_1_quoted_printable(directory, tmp_path):
    note = "Звонить после обеда".encode()
    encoded = "".join(f"={byte:02X}" for byte in note)
    text = (
        "BEGIN:VCARD\r\nVERSION:2.1\r\n"
        "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=D0=98=D0=B2=D0=B0=D0=BD\r\n"
        f"NOTE;CHARSET=UTF-8;QUOTED-PRINTABLE:{encoded[:30]}=\r\n{encoded[30:]}\r\n"
        "TEL;CELL:+79991234567\r\n"
        "END:VCARD\r\n"
    )
    assert import_file(directory, write(tmp_path / "old.vcf", text, "ascii")).added == 1
    (ivan,) = directory.all()
    assert (ivan.name, ivan.note) == ("Иван", "Звонить после обеда")


def test_broken_vcards_are_reported_by_their_begin_line(directory, tmp_path):
    text = (
        "BEGIN:VCARD\nVERSION:3.0\nFN:Без телефона\nEND:VCARD\n"  # 1
        "BEGIN:VCARD\nVERSION:3.0\nFN:Хороший\nTEL:89991234567\nEND:VCARD\n"  # 5
        "BEGIN:VCARD\nVERSION:3.0\nTEL:89991234568\nEND:VCARD\n"  # 10
        "BEGIN:VCARD\nVERSION:3.0\nFN:Обрыв\nTEL:89991234569\n"  # 14
        "BEGIN:VCARD\nFN:Последний\nTEL:not-a-number\n"  # 18
    )
    report = import_file(directory, write(tmp_path / "broken.vcf", text, "utf-8"))
    assert report.added == 1
    assert problems(report) == [
        (1, "No phone number"),
        (10, "No name and no company"),
        (14, "The card has no END:VCARD"),
        (18, "The card has no END:VCARD"),
    ]


def test_many_problems_are_counted_but_only_the_first_kept(directory, tmp_path, monkeypatch):
    monkeypatch.setattr(contacts_io, "MAX_PROBLEMS", 3)
    text = "name;phone\n" + "".join(f"Row {i};\n" for i in range(5)) + "Good;89991234567\n"
    report = import_file(directory, write(tmp_path / "bad.csv", text, "utf-8"))
    assert (report.added, report.skipped_count, len(report.skipped)) == (1, 5, 3)
    assert report.lines()[-1] == "... and 2 more skipped rows"


def test_a_large_file_streams_in_one_transaction(directory, tmp_path):
    rows = "".join(f"Контакт {i};+7 999 {i:07d}\n" for i in range(5000))
    path = write(tmp_path / "big.csv", "Имя;Телефон\n" + rows, "cp1251")
    report = import_file(directory, path)
    assert (report.added, report.skipped_count) == (5000, 0)
    assert directory.client_answer("8 999 000-49-99") == {"name": "Контакт 4999"}


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "empty.csv is empty"),
        ("blank.csv", b"\xef\xbb\xbf\r\n  \r\n", "blank.csv is empty"),
        (
            "table.xlsx",
            b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00",
            "table.xlsx is neither a CSV nor a vCard file",
        ),
        ("notes.csv", "Имя;Адрес\nИван;Москва\n".encode(), "notes.csv has no phone column"),
        ("cards.vcf", b"Name;Phone\nA;1\n", "cards.vcf is not a vCard file"),
        ("garbage.csv", b"name;phone\n\x98\xff\xfe;1\n", "unknown text encoding"),
    ],
)
def test_files_that_cannot_be_imported(directory, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UserError) as caught:
        import_file(directory, path)
    assert message in str(caught.value.text)
    assert directory.count() == 0


def test_the_missing_phone_column_message_lists_the_columns(directory, tmp_path):
    path = write(tmp_path / "x.csv", "Имя;Адрес\nИван;Москва\n", "utf-8")
    with pytest.raises(UserError) as caught:
        import_file(directory, path)
    assert str(caught.value.text).endswith("(expected a column named Phone or Телефон; found: Имя, Адрес)")


def test_missing_and_unreadable_files(directory, tmp_path):
    with pytest.raises(UserError) as caught:
        import_file(directory, tmp_path / "nope.csv")
    assert "Cannot read nope.csv" in str(caught.value)
    with pytest.raises(UserError) as caught:
        import_file(directory, tmp_path)
    assert "is a folder" in str(caught.value)


def test_a_file_mixing_utf8_and_cp1251_is_refused_not_stored_as_mojibake(tmp_path):
    from desktop_app.contacts.directory import ContactDirectory
    from desktop_app.contacts.import_export import import_file
    from desktop_app.core.texts import UserError

    path = tmp_path / "mixed.csv"
    path.write_bytes(
        "Имя;Телефон\nИванов Иван;89991234567\n".encode("utf-8") + "Петров Пётр;89161112233\n".encode("cp1251")
    )
    with ContactDirectory(tmp_path / "db.sqlite3") as directory:
        with pytest.raises(UserError, match="mixes UTF-8 and Windows-1251.*line 1"):
            import_file(directory, path)
        assert directory.count() == 0


def test_cp1251_names_that_pair_up_as_utf8_by_chance_still_import(tmp_path):
    from desktop_app.contacts.directory import ContactDirectory
    from desktop_app.contacts.import_export import import_file

    path = tmp_path / "cp1251.csv"
    path.write_bytes("Имя;Телефон\nСёмин;89991234567\nПётр;89161112233\n".encode("cp1251"))
    with ContactDirectory(tmp_path / "db.sqlite3") as directory:
        report = import_file(directory, path)
        assert report.added == 2
        assert {c.name for c in directory} == {"Сёмин", "Пётр"}


def test_excel_sep_hint_with_a_tab(tmp_path):
    from desktop_app.contacts.directory import ContactDirectory
    from desktop_app.contacts.import_export import import_file

    path = tmp_path / "tab.csv"
    path.write_text("sep=\t\nName\tPhone\nIvan\t+79991234567\n", encoding="utf-8")
    with ContactDirectory(tmp_path / "db.sqlite3") as directory:
        assert import_file(directory, path).added == 1


def test_a_header_the_csv_module_cannot_read_is_an_error_in_words(tmp_path):
    from desktop_app.contacts.directory import ContactDirectory
    from desktop_app.contacts.import_export import import_file
    from desktop_app.core.texts import UserError

    path = tmp_path / "huge.csv"
    path.write_text('Name;"' + "x" * 200_000 + '"\n', encoding="utf-8")
    with ContactDirectory(tmp_path / "db.sqlite3") as directory:
        with pytest.raises(UserError, match="Broken CSV"):
            import_file(directory, path)
