"""Validation and normalization of a new customer: ISO codes, E.164, e-mail, names and keys.

Every problem found is reported at once, as a field error with the JSON Pointer of the field in
the request; nothing is created for a request with any of them. Codes come from well-kept
libraries (pycountry for ISO 3166-1/-2, phonenumbers for E.164, email-validator), not from
tables of our own.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import phonenumbers
import pycountry
from email_validator import EmailNotValidError, validate_email

from create_customer_process.domain.errors import InvalidCustomer
from create_customer_process.domain.models import (
    AddressInput,
    CustomerCreate,
    NormalizedAddress,
    NormalizedCustomer,
)
from trivium.problems import FieldError

MAX_NAME_LENGTH = 160  # the ERP's four 40-character name lines
MAX_VAT_LENGTH = 20
# Salesforce's standard Account.Industry picklist values.
INDUSTRIES = (
    "Agriculture", "Apparel", "Banking", "Biotechnology", "Chemicals", "Communications",
    "Construction", "Consulting", "Education", "Electronics", "Energy", "Engineering",
    "Entertainment", "Environmental", "Finance", "Food & Beverage", "Government", "Healthcare",
    "Hospitality", "Insurance", "Machinery", "Manufacturing", "Media", "Not For Profit",
    "Recreation", "Retail", "Shipping", "Technology", "Telecommunications", "Transportation",
    "Utilities", "Other",
)  # fmt: skip
# Words that say what kind of company it is, not which one: "Acme GmbH" is "Acme Inc.".
LEGAL_FORMS = frozenset(
    {
        "ab", "ag", "as", "asa", "bv", "co", "company", "corp", "corporation", "cv", "gmbh",
        "inc", "incorporated", "kg", "kgaa", "limited", "llc", "llp", "lp", "ltd", "nv", "oy",
        "plc", "pty", "sa", "sarl", "sas", "se", "spa", "srl",
    }
)  # fmt: skip
# Words too common to search by.
STOP_WORDS = frozenset(
    {"and", "das", "de", "der", "des", "die", "du", "et", "la", "le", "les", "of", "the", "und"}
)
# VAT prefixes that are not ISO 3166 alpha-2 codes: Greece (EL), Northern Ireland (XI).
VAT_ONLY_PREFIXES = frozenset({"EL", "XI"})
_VAT = re.compile(r"^[A-Z]{2}[A-Z0-9]{2,18}$")
_POSTAL_CODE = re.compile(r"^[A-Z0-9](?:[A-Z0-9 -]*[A-Z0-9])?$")
_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_WORD = re.compile(r"\w+")


@dataclass
class _Errors:
    found: list[FieldError] = field(default_factory=list)

    def add(self, pointer: str, detail: str) -> None:
        self.found.append(FieldError(pointer=pointer, detail=detail))


def fold(text: str) -> str:
    """Case- and accent-insensitive form of a text: `Müller` and `MULLER` fold alike."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def collapse(text: str) -> str:
    """The text trimmed, with every run of whitespace as one space."""
    return " ".join(text.split())


def name_key(name: str) -> str:
    """The name as compared for duplicates: folded, punctuation and legal forms dropped."""
    words = _WORD.findall(fold(name).replace("&", " and ").replace("_", " "))
    significant = [word for word in words if word not in LEGAL_FORMS]
    return " ".join(significant or words)


def search_word(name: str) -> str:
    """A word of the name to ask the systems for (as written); candidates are then compared by
    `name_key`. The first significant word, since the ERP's search term starts with it."""
    words: list[str] = _WORD.findall(name)
    significant = [
        word for word in words if fold(word) not in LEGAL_FORMS | STOP_WORDS and len(word) > 1
    ]
    return (significant or words or [name])[0]


def postal_code_key(postal_code: str) -> str:
    """A postal code as compared and stored: upper case, single spaces."""
    return collapse(postal_code).upper()


def website_domain(url: str) -> str | None:
    """The site's domain (host without `www.`), or None when the URL has no usable host."""
    try:
        host = urlsplit(url if "//" in url else f"//{url}").hostname
    except ValueError:
        return None
    if not host:
        return None
    host = host.rstrip(".").lower()
    return host.removeprefix("www.") if host.count(".") > 1 else host


def normalize_vat_id(vat_id: str) -> str:
    """A VAT id without the spaces, dots and dashes people write into it, upper case."""
    return re.sub(r"[\s.\-]", "", vat_id).upper()


def normalize_customer(
    request: CustomerCreate, *, erp_region_codes: Mapping[str, str] | None = None
) -> NormalizedCustomer:
    """The customer in the form both systems get; InvalidCustomer naming every bad field."""
    errors = _Errors()
    name = collapse(request.name)
    if not name:
        errors.add("/name", "The name is empty.")
    elif len(name) > MAX_NAME_LENGTH:
        errors.add("/name", f"The name is longer than {MAX_NAME_LENGTH} characters.")
    address = _address(request.address, errors, erp_region_codes or {})
    country = address.country if address else None
    website = _website(request.website, errors) if request.website is not None else None
    customer = NormalizedCustomer(
        name=name,
        name_key=name_key(name),
        address=address or _placeholder_address(),
        phone=_phone(request.phone, country, errors) if request.phone is not None else None,
        email=_email(request.email, errors) if request.email is not None else None,
        website=website,
        website_domain=website_domain(website) if website else None,
        industry=_industry(request.industry, errors) if request.industry is not None else None,
        vat_id=_vat_id(request.vat_id, errors) if request.vat_id is not None else None,
        sales_area=request.sales_area,
    )
    if errors.found:
        raise InvalidCustomer(
            f"{len(errors.found)} field(s) of the customer are not valid; nothing was created.",
            errors=errors.found,
        )
    return customer


def _placeholder_address() -> NormalizedAddress:
    return NormalizedAddress(street="", city="", postal_code="", country="", country_name="")


def _address(
    given: AddressInput, errors: _Errors, erp_region_codes: Mapping[str, str]
) -> NormalizedAddress | None:
    street, city = collapse(given.street), collapse(given.city)
    house_number = collapse(given.house_number or "") or None
    postal_code = postal_code_key(given.postal_code)
    for pointer, value in (("street", street), ("city", city), ("postalCode", postal_code)):
        if not value:
            errors.add(f"/address/{pointer}", "This part of the address is empty.")
    if postal_code and not _POSTAL_CODE.match(postal_code):
        errors.add("/address/postalCode", "A postal code has only letters, digits, spaces, '-'.")
    country = find_country(given.country)
    if country is None:
        errors.add(
            "/address/country",
            f"{given.country!r} is no ISO 3166 country code or name (e.g. `DE`, `USA`, `France`).",
        )
        return None
    region_code = region_name = None
    if given.region is not None and collapse(given.region):
        region = find_region(country.alpha_2, given.region)
        if region is None:
            errors.add(
                "/address/region",
                f"{given.region!r} is no region of {country.name} (give its name or ISO 3166-2 "
                "code, e.g. `California` or `CA`).",
            )
        else:
            region_code, region_name = region.code, region.name
            if len(erp_region_code(region_code, erp_region_codes)) > 3:
                errors.add("/address/region", f"The ERP has no region code for {region.name}.")
    return NormalizedAddress(
        street=street,
        house_number=house_number,
        city=city,
        postal_code=postal_code,
        country=country.alpha_2,
        country_name=getattr(country, "common_name", None) or country.name,
        region_code=region_code,
        region_name=region_name,
    )


def find_country(text: str) -> pycountry.db.Country | None:
    """The country for an alpha-2 or alpha-3 code or an English (common or official) name."""
    wanted = collapse(text)
    if not wanted:
        return None
    try:
        country: pycountry.db.Country = pycountry.countries.lookup(wanted)
    except LookupError:
        return None
    return country


def find_region(country: str, text: str) -> pycountry.db.Subdivision | None:
    """The country's subdivision for its ISO 3166-2 code (`US-CA`), the code's suffix (`CA`)
    or its name (`California`, accents and case ignored)."""
    wanted = fold(collapse(text))
    subdivisions = pycountry.subdivisions.get(country_code=country)  # type: ignore[no-untyped-call]
    for subdivision in subdivisions or []:
        code = subdivision.code.casefold()
        if wanted in (code, code.split("-", 1)[1], fold(subdivision.name)):
            found: pycountry.db.Subdivision = subdivision
            return found
    return None


def erp_region_code(iso_code: str, overrides: Mapping[str, str]) -> str:
    """The ERP's code of a subdivision: configured where the ERP's regions differ from ISO,
    else the ISO code's suffix (`US-CA` -> `CA`), as SAP delivers them for most countries."""
    return overrides.get(iso_code) or iso_code.split("-", 1)[1]


def _phone(raw: str, country: str | None, errors: _Errors) -> str | None:
    try:
        number = phonenumbers.parse(raw, country)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        hint = "" if country else " with its country code (e.g. +1 408 555 0100)"
        errors.add("/phone", f"{raw!r} is no valid phone number{hint}.")
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _email(raw: str, errors: _Errors) -> str | None:
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized
    except EmailNotValidError as error:
        errors.add("/email", str(error))
        return None


def _website(raw: str, errors: _Errors) -> str | None:
    text = raw.strip()
    try:
        # urlsplit refuses unbalanced brackets ("IPv6") and .port a port out of range.
        parts = urlsplit(text if "://" in text else f"https://{text}")
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        parts, port = None, ""
    host = (parts.hostname or "").rstrip(".") if parts else ""
    labels = host.split(".")
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or len(labels) < 2
        or not all(_HOST_LABEL.match(label) for label in labels)
        or labels[-1].isdigit()
    ):
        errors.add("/website", f"{raw!r} is no web address (e.g. `www.example.com`).")
        return None
    path = parts.path.rstrip("/")
    return f"{parts.scheme}://{host}{port}{path}"


def _industry(raw: str, errors: _Errors) -> str | None:
    wanted = fold(collapse(raw))
    for industry in INDUSTRIES:
        if fold(industry) == wanted:
            return industry
    errors.add("/industry", f"{raw!r} is not an industry; use one of: {', '.join(INDUSTRIES)}.")
    return None


def _vat_id(raw: str, errors: _Errors) -> str | None:
    vat_id = normalize_vat_id(raw)
    prefix = vat_id[:2]
    known_prefix = prefix in VAT_ONLY_PREFIXES or pycountry.countries.get(alpha_2=prefix)
    if not _VAT.match(vat_id) or len(vat_id) > MAX_VAT_LENGTH or not known_prefix:
        errors.add(
            "/vatId",
            f"{raw!r} is no VAT id: a country prefix and 2 to {MAX_VAT_LENGTH - 2} letters or "
            "digits (e.g. `DE811907980`).",
        )
        return None
    return vat_id
