"""Write the sample CRM exports and databases in this folder, deterministically.

Run ``python data/samples/generate.py``: the same bytes come out every time (a fixed random
seed, fixed workbook timestamps), so a change to a sample is a change to this script. Each sample
mimics what its CRM really produces and holds a few rows that are invalid in different ways;
tests/mapping/ asserts the exact payloads and row errors.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import random
import re
import sys
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path

import phonenumbers
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))  # refsync, for the Salesforce ID checksum
SEED = 20261122
FIXED_TIME = dt.datetime(2026, 11, 20, 9, 0, 0)

FIRST = ["Ana", "Ben", "Chloé", "David", "Elena", "Farid", "Grace", "Hiro", "Ingrid", "Jonas",
         "Kavya", "Liam", "Mia", "Noah", "Olga", "Pedro", "Quinn", "Rosa", "Sven", "Tara",
         "Umar", "Vera", "Wen", "Ximena", "Yusuf", "Zoë"]
LAST = ["Andersen", "Baker", "Castillo", "Dubois", "Eriksson", "Fischer", "García", "Hansen",
        "Ito", "Jensen", "Kowalski", "López", "Müller", "Nakamura", "O'Brien", "Patel",
        "Rossi", "Schmidt", "Tanaka", "Usman", "Visser", "Walsh", "Young", "Zimmermann"]
COMPANIES = ["Contoso", "Fabrikam Fiber", "Northwind Traders", "Adventure Works", "Tailspin Toys",
             "Wide World Importers", "Litware", "Proseware", "Alpine Ski House", "Coho Winery",
             "Lamna Healthcare", "Margie's Travel", "Trey Research", "Woodgrove Bank",
             "Fourth Coffee", "Blue Yonder Airlines", "Humongous Insurance", "Relecloud",
             "VanArsdel", "Wingtip Toys", "Graphic Design Institute", "School of Fine Art",
             "Consolidated Messenger", "Bellows College", "City Power & Light",
             "Lucerne Publishing"]
PRODUCTS = ["Microsoft 365 E5 rollout", "Dynamics 365 Sales", "Azure landing zone",
            "Teams Phone migration", "Power BI analytics", "Azure Virtual Desktop",
            "Copilot readiness", "SAP on Azure", "Defender XDR", "Fabric data platform"]
# (country as the CRM shows it, ISO alpha-2, city, region/state, postal code, currency name,
#  street)
PLACES = [
    ("United States", "US", "Redmond", "WA", "98052", "US Dollar", "NE 36th Street"),
    ("United States", "US", "Austin", "TX", "78701", "US Dollar", "Congress Avenue"),
    ("United States", "US", "Boston", "MA", "02110", "US Dollar", "Atlantic Avenue"),
    ("Germany", "DE", "Berlin", "Berlin", "10117", "Euro", "Friedrichstraße"),
    ("Germany", "DE", "München", "Bayern", "80331", "Euro", "Marienplatz"),
    ("United Kingdom", "GB", "London", "", "EC1A 1BB", "Pound Sterling", "High Holborn"),
    ("France", "FR", "Paris", "Île-de-France", "75008", "Euro", "Rue de Rivoli"),
    ("Netherlands", "NL", "Amsterdam", "Noord-Holland", "1012 AB", "Euro", "Keizersgracht"),
    ("Canada", "CA", "Toronto", "ON", "M5H 2N2", "Canadian Dollar", "King Street West"),
    ("Australia", "AU", "Sydney", "NSW", "2000", "Australian Dollar", "George Street"),
    ("Sweden", "SE", "Stockholm", "", "111 22", "Swedish Krona", "Drottninggatan"),
    ("Spain", "ES", "Madrid", "Madrid", "28013", "Euro", "Gran Vía"),
]
OWNERS = ["Luke Johnson", "Priya Raman", "Tomás Herrera"]
SOURCES = ["Advertisement", "Web", "Partner", "Trade Show", "Word of Mouth",
           "Employee Referral", "Other"]


def _phone(rng: random.Random, region: str, kind: int) -> str:
    """A valid number of ``region``, written as people type it (national or international)."""
    example = phonenumbers.example_number_for_type(region, kind)
    assert example is not None
    digits = str(example.national_number)
    while True:
        national = digits[:3] + "".join(str(rng.randrange(10)) for _ in digits[3:])
        number = phonenumbers.parse(national, region)
        if phonenumbers.is_valid_number(number):
            break
    style = (phonenumbers.PhoneNumberFormat.NATIONAL if rng.random() < 0.6
             else phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return phonenumbers.format_number(number, style)


def _guid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _freeze_zip(path: Path) -> None:
    """Rewrite a workbook's zip entries with one fixed timestamp, so the bytes are reproducible."""
    with zipfile.ZipFile(path) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    entries = [
        (info, re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp, data)
         if info.filename == "docProps/core.xml" else data)
        for info, data in entries
    ]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in entries:
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            target.writestr(fixed, data)


def _save(workbook: Workbook, path: Path) -> None:
    workbook.properties.created = FIXED_TIME
    workbook.properties.modified = FIXED_TIME
    workbook.properties.creator = "refsync sample generator"
    workbook.save(path)
    _freeze_zip(path)


# --- Dynamics 365 Sales: "Export to Excel" of Leads -------------------------------------------

DYNAMICS_HEADERS = [
    "(Do Not Modify) Lead", "(Do Not Modify) Row Checksum", "(Do Not Modify) Modified On",
    "Topic", "Name", "First Name", "Last Name", "Job Title", "Company Name", "Business Phone",
    "Mobile Phone", "Email", "Street 1", "City", "State/Province", "ZIP/Postal Code",
    "Country/Region", "No. of Employees", "Est. Value", "Currency", "Est. Close Date", "Rating",
    "Status Reason", "Lead Source", "Description", "Owner", "Created On",
]
# rows made invalid on purpose: data row index -> (column, bad value)
DYNAMICS_BAD = {
    4: ("Country/Region", "Atlantis"),
    9: ("Email", None),
    15: ("Est. Value", "TBD"),
    22: ("Est. Close Date", "31/02/2027"),
    30: ("Currency", "Bitcoin"),
    37: ("Company Name", None),
    44: ("Business Phone", "12345"),
}
DYNAMICS_CLOSED = {12: "Qualified", 26: "Cannot Contact", 51: "No Longer Interested"}


def dynamics_rows(rng: random.Random, count: int) -> list[dict[str, object]]:
    """Lead rows as a Dynamics 365 export holds them (shared with bench/bench_mapping.py)."""
    rows = []
    for _ in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        company = rng.choice(COMPANIES)
        country, code, city, state, postal, currency, street = rng.choice(PLACES)
        domain = company.lower().replace(" ", "").replace("'", "").replace("&", "") + ".example"
        email_local = f"{first}.{last}".lower().replace("'", "")
        modified = FIXED_TIME - dt.timedelta(minutes=rng.randrange(60 * 24 * 60))
        created = modified - dt.timedelta(days=rng.randrange(1, 200), minutes=rng.randrange(600))
        row: dict[str, object] = {
            "(Do Not Modify) Lead": _guid(rng),
            "(Do Not Modify) Row Checksum": base64.b64encode(rng.randbytes(66)).decode(),
            "(Do Not Modify) Modified On": modified,
            "Topic": f"{rng.choice(PRODUCTS)} - {company}",
            "Name": f"{first} {last}",
            "First Name": first,
            "Last Name": last,
            "Job Title": rng.choice(["CIO", "IT Director", "Head of Sales", "CFO", "IT Manager",
                                     "Procurement Lead", "CTO"]),
            "Company Name": company,
            "Business Phone": _phone(rng, code, phonenumbers.PhoneNumberType.FIXED_LINE),
            "Mobile Phone": _phone(rng, code, phonenumbers.PhoneNumberType.MOBILE)
            if rng.random() < 0.5 else None,
            "Email": f"{email_local}@{domain}",
            "Street 1": f"{rng.randrange(1, 400)} {street}",
            "City": city,
            "State/Province": state or None,
            "ZIP/Postal Code": postal,
            "Country/Region": country,
            "No. of Employees": rng.choice([8, 35, 120, 480, 2300, 7500, 15000, 60000]),
            "Est. Value": float(rng.randrange(5, 500) * 1000 + rng.choice([0, 0, 250, 500])),
            "Currency": currency,
            "Est. Close Date": dt.datetime(2027, rng.randrange(1, 13), rng.randrange(1, 29)),
            "Rating": rng.choice(["Hot", "Warm", "Cold"]),
            "Status Reason": rng.choice(["New", "New", "Contacted"]),
            "Lead Source": rng.choice(SOURCES),
            "Description": rng.choice([
                "Wants a proof of concept before the budget review.",
                "Renewal coming up; evaluating a move from on-premises.",
                "Met at the partner summit; asked for a demo.",
                "Needs licensing advice for a merger.",
                None,
            ]),
            "Owner": rng.choice(OWNERS),
            "Created On": created,
        }
        rows.append(row)
    return rows


def dynamics(rng: random.Random) -> None:
    rows = dynamics_rows(rng, 60)
    for index, (column, value) in DYNAMICS_BAD.items():
        rows[index][column] = value
    for index, reason in DYNAMICS_CLOSED.items():
        rows[index]["Status Reason"] = reason

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "All Leads"
    sheet.append(DYNAMICS_HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([row[h] for h in DYNAMICS_HEADERS])
    formats = {"(Do Not Modify) Modified On": "m/d/yyyy h:mm AM/PM", "Created On":
               "m/d/yyyy h:mm AM/PM", "Est. Close Date": "m/d/yyyy", "Est. Value": '"$"#,##0.00'}
    for col, header in enumerate(DYNAMICS_HEADERS, start=1):
        letter = sheet.cell(1, col).column_letter
        if header in formats:
            for r in range(2, len(rows) + 2):
                sheet.cell(r, col).number_format = formats[header]
        sheet.column_dimensions[letter].width = 22
    for letter in ("A", "B", "C"):
        sheet.column_dimensions[letter].hidden = True
    sheet.freeze_panes = "D2"

    # Dynamics keeps the entity's metadata and option-set lists on a hidden sheet
    hidden = workbook.create_sheet("hiddenSheet")
    hidden.sheet_state = "hidden"
    hidden["A1"] = (
        "lead:g6x1aM1yTkSHn9sk3PTLxSr0YjM4yf3xW5V1K5c0DBA=:leadid=%28Do%20Not%20Modify%29%20Lead"
        "&checksumLogicalName=%28Do%20Not%20Modify%29%20Row%20Checksum"
        "&modifiedon=%28Do%20Not%20Modify%29%20Modified%20On&subject=Topic"
    )
    for i, rating in enumerate(["Hot", "Warm", "Cold"], start=1):
        hidden.cell(2, i, rating)
    for i, reason in enumerate(["New", "Contacted", "Qualified", "Lost", "Cannot Contact",
                                "No Longer Interested", "Canceled"], start=1):
        hidden.cell(3, i, reason)
    rating_col = sheet.cell(1, DYNAMICS_HEADERS.index("Rating") + 1).column_letter
    validation = DataValidation(type="list", formula1="hiddenSheet!$A$2:$C$2", allow_blank=True)
    validation.add(f"{rating_col}2:{rating_col}{len(rows) + 1}")
    sheet.add_data_validation(validation)
    _save(workbook, HERE / "dynamics365-leads.xlsx")


# --- Salesforce: Lead export from Data Loader (API names) and from a report (labels) ----------

SF_FIELDS = [  # (Data Loader API name, report label)
    ("Id", "Lead ID"), ("FirstName", "First Name"), ("LastName", "Last Name"), ("Title", "Title"),
    ("Company", "Company / Account"), ("Street", "Street"), ("City", "City"),
    ("State", "State/Province"), ("PostalCode", "Zip/Postal Code"), ("Country", "Country"),
    ("Phone", "Phone"), ("Email", "Email"), ("Status", "Lead Status"),
    ("LeadSource", "Lead Source"), ("Rating", "Rating"), ("NumberOfEmployees", "No. of Employees"),
    ("CurrencyIsoCode", "Lead Currency"), ("Estimated_Deal_Value__c", "Estimated Deal Value"),
    ("Expected_Close_Date__c", "Expected Close Date"), ("Description", "Description"),
    ("LastModifiedDate", "Last Modified Date"),
]
SF_CURRENCY = {"US Dollar": "USD", "Euro": "EUR", "Pound Sterling": "GBP",
               "Canadian Dollar": "CAD", "Australian Dollar": "AUD", "Swedish Krona": "SEK"}
SF_BAD = {3: ("Email", "jonas.at.contoso"), 8: ("Estimated_Deal_Value__c", "-2500"),
          13: ("Country", "Westeros"), 19: ("Expected_Close_Date__c", "soon")}
SF_STATUS = ["Open - Not Contacted", "Working - Contacted", "Working - Contacted"]


def _sf_id(rng: random.Random) -> str:
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    return "00Q5g00000" + "".join(rng.choice(alphabet) for _ in range(5))


def salesforce_leads(rng: random.Random) -> list[dict[str, object]]:
    """Leads as Salesforce holds them; both export styles below are written from these."""
    from refsync.mapping.transforms import salesforce_id18

    leads = []
    for i in range(24):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        company = rng.choice(COMPANIES)
        country, code, city, state, postal, currency, street = rng.choice(PLACES)
        modified = FIXED_TIME - dt.timedelta(minutes=rng.randrange(60 * 24 * 30))
        lead = {
            "Id": salesforce_id18(_sf_id(rng)), "FirstName": first, "LastName": last,
            "Title": rng.choice(["CIO", "VP IT", "Head of Digital", "IT Manager"]),
            "Company": company, "Street": f"{rng.randrange(1, 300)} {street}", "City": city,
            "State": state, "PostalCode": postal, "Country": country,
            "Phone": _phone(rng, code, phonenumbers.PhoneNumberType.FIXED_LINE),
            "Email": f"{first}.{last}".lower().replace("'", "") + "@" + company.lower()
            .replace(" ", "").replace("'", "").replace("&", "") + ".example",
            "Status": "Closed - Not Converted" if i in (6, 17) else rng.choice(SF_STATUS),
            "LeadSource": rng.choice(["Web", "Partner Referral", "Trade Show", "Phone Inquiry"]),
            "Rating": rng.choice(["Hot", "Warm", "Cold"]),
            "NumberOfEmployees": rng.choice([12, 80, 450, 3200, 25000]),
            "CurrencyIsoCode": SF_CURRENCY[currency],
            "Estimated_Deal_Value__c": rng.randrange(10, 900) * 500,
            "Expected_Close_Date__c": dt.date(2027, rng.randrange(1, 13), rng.randrange(1, 29)),
            "Description": rng.choice(["Asked for a co-sell with Microsoft.",
                                       "Interested in migrating 400 mailboxes.", ""]),
            "LastModifiedDate": modified,
        }
        leads.append(lead)
    for index, (field, value) in SF_BAD.items():
        leads[index][field] = value
    return leads


def salesforce(rng: random.Random) -> None:
    leads = salesforce_leads(rng)
    # Data Loader: API names, 18-character IDs, ISO dates, plain numbers
    with (HERE / "salesforce-leads-dataloader.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow([api for api, _ in SF_FIELDS])
        for lead in leads:
            row = []
            for api, _ in SF_FIELDS:
                value = lead[api]
                if isinstance(value, dt.datetime):
                    value = value.strftime("%Y-%m-%dT%H:%M:%S.000Z")
                elif isinstance(value, dt.date):
                    value = value.isoformat()
                row.append(value)
            writer.writerow(row)
    # report export: labels, 15-character IDs, US formats, currency-prefixed amounts, footer
    with (HERE / "salesforce-leads-report.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow([label for _, label in SF_FIELDS])
        for lead in leads:
            row = []
            for api, _ in SF_FIELDS:
                value = lead[api]
                if api == "Id":
                    value = str(value)[:15]
                elif isinstance(value, dt.datetime):
                    value = f"{value.month}/{value.day}/{value.year}, " + value.strftime(
                        "%I:%M %p").lstrip("0")
                elif isinstance(value, dt.date):
                    value = f"{value.month}/{value.day}/{value.year}"
                elif api == "Estimated_Deal_Value__c" and isinstance(value, int):
                    value = f"{lead['CurrencyIsoCode']} {value:,.2f}"
                elif api == "NumberOfEmployees":
                    value = f"{value:,}"
                row.append(value)
            writer.writerow(row)
        for footer in ["", "Lead Report",
                       "Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved.",
                       "Confidential Information - Do Not Distribute",
                       "Generated By:  Jane Doe  11/20/2026, 9:00 AM", "Fabrikam, Inc."]:
            writer.writerow([footer] if footer else [])


# --- HubSpot: contacts export ----------------------------------------------------------------

HUBSPOT_HEADERS = [
    "Record ID", "First Name", "Last Name", "Email", "Phone Number", "Company Name",
    "Street Address", "City", "State/Region", "Postal Code", "Country/Region", "Lifecycle Stage",
    "Lead Status", "Number of Employees", "Deal Amount", "Deal Currency", "Expected Close Date",
    "Contact owner", "Create Date", "Last Modified Date",
]
HUBSPOT_BAD = {5: ("Deal Amount", "n/a"), 11: ("Phone Number", "call reception"),
               16: ("Deal Currency", "Dollars")}


def hubspot(rng: random.Random) -> None:
    with (HERE / "hubspot-contacts.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(HUBSPOT_HEADERS)
        for i in range(20):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            company = rng.choice(COMPANIES)
            country, code, city, state, postal, currency, street = rng.choice(PLACES)
            modified = FIXED_TIME - dt.timedelta(minutes=rng.randrange(60 * 24 * 30))
            row = {
                "Record ID": str(51000 + rng.randrange(1000, 9000) * 7 + i),
                "First Name": first, "Last Name": last,
                "Email": f"{first[0]}{last}".lower().replace("'", "") + "@" + company.lower()
                .replace(" ", "").replace("'", "").replace("&", "") + ".example",
                "Phone Number": _phone(rng, code, phonenumbers.PhoneNumberType.MOBILE),
                "Company Name": company, "Street Address": f"{rng.randrange(1, 300)} {street}",
                "City": city, "State/Region": state, "Postal Code": postal,
                "Country/Region": code if rng.random() < 0.5 else country,
                "Lifecycle Stage": "Subscriber" if i in (3, 14) else rng.choice(
                    ["Sales Qualified Lead", "Opportunity", "Marketing Qualified Lead"]),
                "Lead Status": rng.choice(["New", "Open", "In progress"]),
                "Number of Employees": str(rng.choice([15, 60, 900, 4000])),
                "Deal Amount": f"{rng.randrange(20, 400) * 250}",
                "Deal Currency": SF_CURRENCY[currency],
                "Expected Close Date":
                    f"2027-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
                "Contact owner": rng.choice(OWNERS),
                "Create Date": (modified - dt.timedelta(days=40)).strftime("%Y-%m-%d %H:%M"),
                "Last Modified Date": modified.strftime("%Y-%m-%d %H:%M"),
            }
            if i in HUBSPOT_BAD:
                column, value = HUBSPOT_BAD[i]
                row[column] = value
            writer.writerow([row[h] for h in HUBSPOT_HEADERS])


# --- Entra ID "Bulk invite users" template (Graph invitations) ---------------------------------

ENTRA_HEADERS = [
    "Email address to invite [inviteeEmail] Required",
    "Redirection url [inviteRedirectURL] Required",
    "Send invitation message (true or false) [sendEmail]",
    "Customized invitation message [customizedMessageBody]",
]


def entra(rng: random.Random) -> None:
    rows = [["version:v1.0"], ENTRA_HEADERS,
            ["Example:    someone@something.com", "https://myapplications.microsoft.com",
             "TRUE", "Hello, welcome to our tenant."]]
    for i in range(15):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        company = rng.choice(COMPANIES)
        email = f"{first}.{last}".lower().replace("'", "") + "@" + company.lower().replace(
            " ", "").replace("'", "").replace("&", "") + ".example"
        if i == 4:
            email = email.upper()  # the same guest typed in capitals elsewhere
        rows.append([email, "https://myapplications.microsoft.com",
                     rng.choice(["TRUE", "FALSE", "true", ""]),
                     rng.choice(["", "Welcome to the Fabrikam partner workspace."])])
    rows[3 + 6][0] = "not-an-address"
    rows[3 + 9][1] = "http://intranet.fabrikam.local"
    rows[3 + 12][2] = "maybe"
    with (HERE / "entra-bulk-invite.csv").open("w", newline="", encoding="utf-8-sig") as f:
        csv.writer(f, lineterminator="\r\n").writerows(rows)


# --- GT365 guest invitations ------------------------------------------------------------------

GT365_HEADERS = ["Guest Email", "Display Name", "Requested By", "Department", "Project",
                 "Send Invitation", "Redirect URL"]


def gt365(rng: random.Random) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Guests"
    sheet.append(GT365_HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for i in range(12):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        company = rng.choice(COMPANIES)
        email = f"{first}.{last}".lower().replace("'", "") + "@" + company.lower().replace(
            " ", "").replace("'", "").replace("&", "") + ".example"
        sheet.append([
            email if i != 7 else None, f"{first} {last} ({company})",
            rng.choice(["priya.raman@fabrikam.com", "luke.johnson@fabrikam.com"]),
            rng.choice(["Sales", "Delivery", "Marketing"]),
            rng.choice(["Copilot pilot", "Azure migration", "Teams rollout"]),
            rng.choice([True, False, "yes"]) if i != 9 else "perhaps",
            None if i % 3 else "https://myapps.microsoft.com",
        ])
    _save(workbook, HERE / "gt365-invites.xlsx")


# --- Partner Center: invite an organization (shared referral with inviteContext) ---------------

PC_HEADERS = ["CRM ID", "Opportunity", "Customer", "Customer Size", "Address", "City", "State",
              "Postal Code", "Country", "Contact First Name", "Contact Last Name",
              "Contact Phone", "Contact Email", "Deal Value", "Currency", "Close Date",
              "Products", "Solution ID", "Help Needed", "Message to Microsoft"]
PC_HELP = ["General or other", "Technical architecture", "Proof of concept or demo",
           "Quotes or licensing"]


def pc_invites(rng: random.Random) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Invites"
    sheet.append(PC_HEADERS)
    for i in range(10):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        company = rng.choice(COMPANIES)
        _, code, city, state, postal, currency, street = rng.choice(PLACES)
        sheet.append([
            f"OPP-{2026_0000 + rng.randrange(1, 9999)}",
            f"{rng.choice(PRODUCTS)} - {company}", company,
            rng.choice(["10to50employees", "51to250employees", "1001to5000employees"])
            if i != 5 else "tiny",
            f"{rng.randrange(1, 300)} {street}", city, state or None, postal, code,
            first, last, _phone(rng, code, phonenumbers.PhoneNumberType.FIXED_LINE),
            f"{first}.{last}".lower().replace("'", "") + "@" + company.lower().replace(
                " ", "").replace("'", "").replace("&", "") + ".example",
            rng.randrange(10, 300) * 1000, SF_CURRENCY[currency],
            dt.datetime(2027, rng.randrange(1, 13), rng.randrange(1, 29)),
            rng.choice(["Microsoft365", "Microsoft365; Dynamics365", "Azure; Microsoft365"]),
            "SOL-34104-EBA", rng.choice(PC_HELP) if i != 8 else "Lunch",
            "Hi Microsoft, we would like your support in co-selling with " + company + ".",
        ])
    _save(workbook, HERE / "partner-center-org-invites.xlsx")


# --- SQL databases: SuiteCRM on MariaDB, Odoo on PostgreSQL ----------------------------------


def _sql(value: object) -> str:
    """A SQL literal (the samples hold no untrusted text; quotes are doubled all the same)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dt.datetime):
        return f"'{value:%Y-%m-%d %H:%M:%S}'"
    if isinstance(value, dt.date):
        return f"'{value:%Y-%m-%d}'"
    return "'" + str(value).replace("'", "''") + "'"


def _insert(table: str, rows: list[dict[str, object]]) -> str:
    columns = list(rows[0])
    values = ",\n  ".join("(" + ", ".join(_sql(r[c]) for c in columns) + ")" for r in rows)
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES\n  {values};\n"


SUITECRM_DDL = """\
-- SuiteCRM 7 leads, trimmed to the columns refsync reads, for MariaDB/MySQL.
-- Written by data/samples/generate.py; load with: mariadb DBNAME < suitecrm.sql
CREATE TABLE users (
  id CHAR(36) NOT NULL PRIMARY KEY,
  user_name VARCHAR(60),
  first_name VARCHAR(255),
  last_name VARCHAR(255),
  phone_work VARCHAR(50),
  deleted TINYINT(1) NOT NULL DEFAULT 0
);
CREATE TABLE leads (
  id CHAR(36) NOT NULL PRIMARY KEY,
  date_entered DATETIME,
  date_modified DATETIME,
  deleted TINYINT(1) NOT NULL DEFAULT 0,
  assigned_user_id CHAR(36),
  salutation VARCHAR(255),
  first_name VARCHAR(100),
  last_name VARCHAR(100),
  title VARCHAR(100),
  phone_work VARCHAR(100),
  account_name VARCHAR(255),
  primary_address_street VARCHAR(150),
  primary_address_city VARCHAR(100),
  primary_address_state VARCHAR(100),
  primary_address_postalcode VARCHAR(20),
  primary_address_country VARCHAR(255),
  status VARCHAR(100),
  lead_source VARCHAR(100),
  opportunity_amount VARCHAR(50),
  description TEXT,
  converted TINYINT(1) NOT NULL DEFAULT 0,
  KEY idx_leads_date_modified (date_modified)
);
CREATE TABLE leads_cstm (
  id_c CHAR(36) NOT NULL PRIMARY KEY,
  close_date_c DATE,
  currency_c VARCHAR(3)
);
CREATE TABLE email_addresses (
  id CHAR(36) NOT NULL PRIMARY KEY,
  email_address VARCHAR(255),
  email_address_caps VARCHAR(255),
  invalid_email TINYINT(1) DEFAULT 0,
  opt_out TINYINT(1) DEFAULT 0,
  deleted TINYINT(1) NOT NULL DEFAULT 0
);
CREATE TABLE email_addr_bean_rel (
  id CHAR(36) NOT NULL PRIMARY KEY,
  email_address_id CHAR(36) NOT NULL,
  bean_id CHAR(36),
  bean_module VARCHAR(100),
  primary_address TINYINT(1) DEFAULT 0,
  reply_to_address TINYINT(1) DEFAULT 0,
  deleted TINYINT(1) NOT NULL DEFAULT 0,
  KEY idx_email_bean (bean_id, bean_module)
);
"""


def suitecrm(rng: random.Random) -> None:
    users: list[dict[str, object]] = []
    rels: list[dict[str, object]] = []
    addresses: list[dict[str, object]] = []

    def email_for(bean_id: str, module: str, address: str, primary: bool = True) -> None:
        address_id = _guid(rng)
        addresses.append({"id": address_id, "email_address": address,
                          "email_address_caps": address.upper(), "invalid_email": 0,
                          "opt_out": 0, "deleted": 0})
        rels.append({"id": _guid(rng), "email_address_id": address_id, "bean_id": bean_id,
                     "bean_module": module, "primary_address": int(primary),
                     "reply_to_address": 0, "deleted": 0})

    for name in OWNERS:
        first, last = name.split(" ", 1)
        user_id = _guid(rng)
        users.append({"id": user_id, "user_name": first.lower(), "first_name": first,
                      "last_name": last, "phone_work": "+1 425 882 80" + str(80 + len(users)),
                      "deleted": 0})
        email_for(user_id, "Users", f"{first}.{last}".lower().replace("á", "a") + "@fabrikam.com")
    leads, custom = [], []
    for i in range(16):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        company = rng.choice(COMPANIES)
        country, code, city, state, postal, currency, street = rng.choice(PLACES)
        lead_id = _guid(rng)
        modified = FIXED_TIME - dt.timedelta(minutes=rng.randrange(60 * 24 * 30))
        leads.append({
            "id": lead_id, "date_entered": modified - dt.timedelta(days=30),
            "date_modified": modified, "deleted": int(i == 12),
            "assigned_user_id": rng.choice(users)["id"], "salutation": rng.choice(["Mr.", "Ms."]),
            "first_name": first, "last_name": last, "title": rng.choice(["CIO", "IT Director"]),
            "phone_work": _phone(rng, code, phonenumbers.PhoneNumberType.FIXED_LINE),
            "account_name": company, "primary_address_street": f"{rng.randrange(1, 300)} {street}",
            "primary_address_city": city, "primary_address_state": state or None,
            "primary_address_postalcode": postal,
            "primary_address_country": {"United States": "USA"}.get(country, country),
            "status": "Dead" if i == 9 else rng.choice(["New", "Assigned", "In Process"]),
            "lead_source": rng.choice(["Web Site", "Partner", "Trade Show", "Email"]),
            "opportunity_amount": f"{rng.randrange(10, 500) * 1000}",
            "description": rng.choice(["Wants a Copilot pilot.", None, "Renewal in Q3."]),
            "converted": 0,
        })
        custom.append({"id_c": lead_id,
                       "close_date_c": dt.date(2027, rng.randrange(1, 13), rng.randrange(1, 29)),
                       "currency_c": SF_CURRENCY[currency]})
        if i != 5:  # lead 5 has no e-mail address at all
            email_for(lead_id, "Leads", f"{first}.{last}".lower().replace("'", "") + "@"
                      + company.lower().replace(" ", "").replace("'", "").replace("&", "")
                      + ".example")
            if i == 2:  # an old, non-primary address that must not be picked
                email_for(lead_id, "Leads", "old.address@example.org", primary=False)
    leads[3]["primary_address_country"] = "Atlantis"
    leads[7]["opportunity_amount"] = "about 50k"
    text = SUITECRM_DDL + "\n" + "".join(
        _insert(table, rows) for table, rows in (
            ("users", users), ("leads", leads), ("leads_cstm", custom),
            ("email_addresses", addresses), ("email_addr_bean_rel", rels),
        )
    )
    (HERE / "suitecrm.sql").write_text(text, encoding="utf-8")


ODOO_DDL = """\
-- Odoo 17 CRM, trimmed to the tables and columns refsync reads, for PostgreSQL.
-- Written by data/samples/generate.py; load with: psql DBNAME -f odoo.sql
CREATE TABLE res_country (id SERIAL PRIMARY KEY, name JSONB NOT NULL, code VARCHAR(2));
CREATE TABLE res_country_state (
  id SERIAL PRIMARY KEY, country_id INTEGER NOT NULL REFERENCES res_country(id),
  name VARCHAR NOT NULL, code VARCHAR NOT NULL
);
CREATE TABLE res_currency (id SERIAL PRIMARY KEY, name VARCHAR(3) NOT NULL, symbol VARCHAR);
CREATE TABLE res_company (
  id SERIAL PRIMARY KEY, name VARCHAR NOT NULL,
  currency_id INTEGER NOT NULL REFERENCES res_currency(id)
);
CREATE TABLE res_partner (
  id SERIAL PRIMARY KEY, name VARCHAR, email VARCHAR, phone VARCHAR, is_company BOOLEAN
);
CREATE TABLE res_users (
  id SERIAL PRIMARY KEY, login VARCHAR NOT NULL, partner_id INTEGER REFERENCES res_partner(id),
  company_id INTEGER REFERENCES res_company(id), active BOOLEAN DEFAULT TRUE
);
CREATE TABLE crm_stage (
  id SERIAL PRIMARY KEY, name JSONB NOT NULL, sequence INTEGER, is_won BOOLEAN DEFAULT FALSE
);
CREATE TABLE crm_lead (
  id SERIAL PRIMARY KEY,
  name VARCHAR NOT NULL,
  type VARCHAR NOT NULL DEFAULT 'lead',
  active BOOLEAN DEFAULT TRUE,
  partner_name VARCHAR,
  contact_name VARCHAR,
  email_from VARCHAR,
  phone VARCHAR,
  street VARCHAR,
  street2 VARCHAR,
  city VARCHAR,
  zip VARCHAR,
  state_id INTEGER REFERENCES res_country_state(id),
  country_id INTEGER REFERENCES res_country(id),
  expected_revenue NUMERIC,
  probability DOUBLE PRECISION,
  date_deadline DATE,
  stage_id INTEGER REFERENCES crm_stage(id),
  user_id INTEGER REFERENCES res_users(id),
  company_id INTEGER REFERENCES res_company(id),
  priority VARCHAR DEFAULT '0',
  description TEXT,
  create_date TIMESTAMP,
  write_date TIMESTAMP
);
CREATE INDEX crm_lead_write_date_index ON crm_lead (write_date);
"""


def odoo(rng: random.Random) -> None:
    countries = [{"id": i + 1, "name": f'{{"en_US": "{name}"}}', "code": code}
                 for i, (name, code) in enumerate(sorted({(p[0], p[1]) for p in PLACES}))]
    country_id = {c["code"]: c["id"] for c in countries}
    states = [{"id": 1, "country_id": country_id["US"], "name": "Washington", "code": "WA"},
              {"id": 2, "country_id": country_id["US"], "name": "Texas", "code": "TX"},
              {"id": 3, "country_id": country_id["US"], "name": "Massachusetts", "code": "MA"}]
    state_id = {"WA": 1, "TX": 2, "MA": 3}
    currencies = [{"id": 1, "name": "EUR", "symbol": "€"}, {"id": 2, "name": "USD", "symbol": "$"}]
    companies = [{"id": 1, "name": "Fabrikam GmbH", "currency_id": 1}]
    partners, users = [], []
    for i, name in enumerate(OWNERS, start=1):
        first, last = name.split(" ", 1)
        partners.append({"id": i, "name": name, "email": f"{first}.{last}".lower()
                         .replace("á", "a") + "@fabrikam.com", "phone": f"+49 30 901820{i}",
                         "is_company": False})
        users.append({"id": i, "login": first.lower(), "partner_id": i, "company_id": 1,
                      "active": True})
    stages = [{"id": i, "name": f'{{"en_US": "{n}", "de_DE": "{d}"}}', "sequence": i,
               "is_won": n == "Won"}
              for i, (n, d) in enumerate([("New", "Neu"), ("Qualified", "Qualifiziert"),
                                          ("Proposition", "Angebot"), ("Won", "Gewonnen")],
                                         start=1)]
    leads = []
    for i in range(1, 15):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        company = rng.choice(COMPANIES)
        _, code, city, state, postal, _, street = rng.choice(PLACES)
        written = FIXED_TIME - dt.timedelta(minutes=rng.randrange(60 * 24 * 30))
        leads.append({
            "id": i, "name": f"{rng.choice(PRODUCTS)} ({company})",
            "type": "lead" if i == 4 else "opportunity", "active": i != 8,
            "partner_name": company, "contact_name": f"{first} {last}",
            "email_from": f"{first}.{last}".lower().replace("'", "") + "@"
            + company.lower().replace(" ", "").replace("'", "").replace("&", "") + ".example",
            "phone": _phone(rng, code, phonenumbers.PhoneNumberType.FIXED_LINE),
            "street": f"{street} {rng.randrange(1, 300)}", "street2": None, "city": city,
            "zip": postal, "state_id": state_id.get(state), "country_id": country_id[code],
            "expected_revenue": rng.randrange(10, 400) * 1000, "probability": 30.0,
            "date_deadline": dt.date(2027, rng.randrange(1, 13), rng.randrange(1, 29)),
            "stage_id": 4 if i == 11 else rng.choice([1, 2, 3]),
            "user_id": rng.choice(users)["id"], "company_id": 1,
            "priority": rng.choice(["0", "1", "2", "3"]),
            "description": rng.choice(["<p>Wants <b>Azure</b> landing zone help.</p>", None,
                                       "<p>Asked for a Microsoft co-sell.</p>"]),
            "create_date": written - dt.timedelta(days=20), "write_date": written,
        })
    leads[2]["country_id"] = None
    leads[5]["date_deadline"] = None
    leads[9]["email_from"] = "sales at contoso"
    text = ODOO_DDL + "\n" + "".join(
        _insert(table, rows) for table, rows in (
            ("res_country", countries), ("res_country_state", states),
            ("res_currency", currencies), ("res_company", companies),
            ("res_partner", partners), ("res_users", users), ("crm_stage", stages),
            ("crm_lead", leads),
        )
    )
    # ids were given explicitly: move each sequence past them, as Odoo's own data would
    text += "".join(
        f"SELECT setval('{table}_id_seq', (SELECT MAX(id) FROM {table}));\n"  # noqa: S608
        for table in ("res_country", "res_country_state", "res_currency", "res_company",
                      "res_partner", "res_users", "crm_stage", "crm_lead")
    )
    (HERE / "odoo.sql").write_text(text, encoding="utf-8")


SAMPLES: dict[str, Callable[[random.Random], None]] = {
    "dynamics365-leads.xlsx": dynamics,
    "salesforce-leads-*.csv": salesforce,
    "hubspot-contacts.csv": hubspot,
    "entra-bulk-invite.csv": entra,
    "gt365-invites.xlsx": gt365,
    "partner-center-org-invites.xlsx": pc_invites,
    "suitecrm.sql": suitecrm,
    "odoo.sql": odoo,
}


def main() -> None:
    for name, build in SAMPLES.items():
        build(random.Random(f"{SEED}:{name}"))
        print(f"wrote {HERE / name}")


if __name__ == "__main__":
    main()
