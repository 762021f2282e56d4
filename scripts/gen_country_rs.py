#!/usr/bin/env python3
"""Generate src/core/country.rs from Saleor's GraphQL schema.

The enum values, their order and their descriptions come from Saleor's
schema file (`enum CountryCode`, `enum LanguageCodeEnum`).  English country
names come from django-countries 7.x (the release line Saleor pins), set up
the way Saleor configures it (`COUNTRIES_OVERRIDE` adds `EU` and `XK`).  If
django-countries cannot be used, the schema's value descriptions (which Saleor
generates from the same django-countries names) are used, then pycountry.

Usage (from the workspace root):

    python3 scripts/gen_country_rs.py [--schema PATH] [--out PATH] [--no-install]

Missing Python packages are installed with pip unless --no-install is given.
The output is formatted with `rustfmt --edition 2024` when rustfmt is on PATH.
"""

from __future__ import annotations

import argparse
import importlib
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SCHEMA = Path("/work/shared/reference/saleor/schema-3.23.28.graphql")
DEFAULT_OUT = ROOT / "src" / "core" / "country.rs"

# Saleor's settings.COUNTRIES_OVERRIDE.
COUNTRIES_OVERRIDE = {"EU": "European Union", "XK": "Kosovo"}
DJANGO_COUNTRIES_REQ = "django-countries>=7.6,<8"


@dataclass
class EnumValue:
    name: str
    description: str | None


@dataclass
class GqlEnum:
    name: str
    description: str | None
    values: list[EnumValue]


def _block_string(lines: list[str]) -> str:
    """Apply GraphQL block-string indentation rules to the raw lines."""
    common = None
    for line in lines[1:]:
        stripped = line.lstrip(" \t")
        if stripped:
            indent = len(line) - len(stripped)
            common = indent if common is None else min(common, indent)
    out = [lines[0]] + [line[common:] if common else line for line in lines[1:]]
    while out and not out[0].strip():
        out.pop(0)
    while out and not out[-1].strip():
        out.pop()
    return "\n".join(out).replace('\\"""', '"""')


def _read_description(lines: list[str], i: int) -> tuple[str, int]:
    """Read a description starting at lines[i]; return (text, next index)."""
    first = lines[i].strip()
    assert first.startswith('"""'), first
    rest = first[3:]
    if rest.endswith('"""') and len(rest) >= 3:
        return _block_string([rest[:-3]]), i + 1
    raw = [rest]
    i += 1
    while True:
        line = lines[i]
        if line.strip().endswith('"""'):
            raw.append(line.rstrip()[:-3])
            return _block_string(raw), i + 1
        raw.append(line)
        i += 1


def parse_enum(schema_text: str, name: str) -> GqlEnum:
    lines = schema_text.splitlines()
    header = f"enum {name} {{"
    idx = next(i for i, line in enumerate(lines) if line.strip() == header)

    # Type description directly above the definition.
    description = None
    if lines[idx - 1].strip().endswith('"""'):
        start = idx - 1
        if lines[start].strip() == '"""' or not lines[start].strip().startswith('"""'):
            start -= 1
            while not lines[start].strip().startswith('"""'):
                start -= 1
        description, end = _read_description(lines, start)
        assert end == idx, (name, start, end, idx)

    values: list[EnumValue] = []
    pending: str | None = None
    i = idx + 1
    while lines[i].strip() != "}":
        stripped = lines[i].strip()
        if not stripped:
            i += 1
        elif stripped.startswith('"""'):
            pending, i = _read_description(lines, i)
        else:
            if not stripped.isidentifier() or "@" in stripped:
                raise SystemExit(f"unsupported enum value line in {name}: {stripped!r}")
            values.append(EnumValue(stripped, pending))
            pending = None
            i += 1
    return GqlEnum(name, description, values)


def _ensure(module: str, requirement: str, install: bool) -> bool:
    try:
        importlib.import_module(module)
        return True
    except ImportError:
        if not install:
            return False
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", requirement],
        check=False,
    )
    importlib.invalidate_caches()
    try:
        importlib.import_module(module)
        return True
    except ImportError:
        return False


def django_country_names(install: bool) -> dict[str, str] | None:
    if not (_ensure("django", "django", install) and _ensure("django_countries", DJANGO_COUNTRIES_REQ, install)):
        return None
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            USE_I18N=True,
            LANGUAGE_CODE="en",
            COUNTRIES_OVERRIDE=COUNTRIES_OVERRIDE,
        )
        import django

        django.setup()
    from django_countries import countries

    return {code: str(name) for code, name in countries}


def pycountry_names(install: bool) -> dict[str, str]:
    if not _ensure("pycountry", "pycountry", install):
        return {}
    import pycountry

    return {c.alpha_2: c.name for c in pycountry.countries}


def country_names(enum: GqlEnum, install: bool) -> dict[str, str]:
    dj = django_country_names(install)
    if dj is None:
        print("warning: django-countries unavailable, using schema descriptions", file=sys.stderr)
        dj = {}
    pyc: dict[str, str] | None = None
    names: dict[str, str] = {}
    for v in enum.values:
        name = dj.get(v.name) or v.description
        if not name:
            if pyc is None:
                pyc = pycountry_names(install)
            name = pyc.get(v.name) or COUNTRIES_OVERRIDE.get(v.name) or v.name
        if v.description and name != v.description:
            print(
                f"warning: {v.name}: django-countries name {name!r} != schema description {v.description!r}",
                file=sys.stderr,
            )
        names[v.name] = name
    return names


def rs_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def doc(text: str | None, indent: str) -> list[str]:
    if not text:
        return []
    return [f"{indent}///{' ' + line if line else ''}" for line in text.splitlines()]


def gen_enum(enum: GqlEnum) -> list[str]:
    out = doc(enum.description, "")
    out += [
        "#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]",
        f'#[graphql(name = "{enum.name}", rename_items = "UPPERCASE")]',
        "#[allow(non_camel_case_types, clippy::upper_case_acronyms)]",
        f"pub enum {enum.rust_name} {{",  # type: ignore[attr-defined]
    ]
    for v in enum.values:
        out += doc(v.description, "    ")
        out.append(f"    {v.name},")
    out.append("}")
    return out


def gen_str_match(fn: str, doc_line: str, enum: GqlEnum, value_of) -> list[str]:
    out = [f"    /// {doc_line}", "    #[must_use]", f"    pub const fn {fn}(self) -> &'static str {{", "        match self {"]
    for v in enum.values:
        out.append(f"            Self::{v.name} => {rs_str(value_of(v))},")
    out += ["        }", "    }"]
    return out


def gen_all(enum: GqlEnum) -> list[str]:
    out = [
        "    /// Every value, in the order of Saleor's schema.",
        f"    pub const ALL: &'static [{enum.rust_name}] = &[",  # type: ignore[attr-defined]
    ]
    out += [f"        Self::{v.name}," for v in enum.values]
    out.append("    ];")
    return out


def gen_display(enum: GqlEnum) -> list[str]:
    rust = enum.rust_name  # type: ignore[attr-defined]
    return [
        f"impl fmt::Display for {rust} {{",
        "    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {",
        "        f.write_str(self.code())",
        "    }",
        "}",
        "",
        f"impl FromStr for {rust} {{",
        f"    type Err = Unknown{rust};",
        "",
        "    fn from_str(s: &str) -> Result<Self, Self::Err> {",
        f"        Self::parse(s).ok_or_else(|| Unknown{rust}(s.to_owned()))",
        "    }",
        "}",
        "",
        f"/// Error returned by `{rust}::from_str` for an unknown value.",
        "#[derive(Clone, Debug, PartialEq, Eq)]",
        f"pub struct Unknown{rust}(pub String);",
        "",
        f"impl fmt::Display for Unknown{rust} {{",
        "    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {",
        f'        write!(f, "unknown {enum.name} value: {{:?}}", self.0)',
        "    }",
        "}",
        "",
        f"impl std::error::Error for Unknown{rust} {{}}",
    ]


def generate(schema_path: Path, install: bool) -> str:
    text = schema_path.read_text(encoding="utf-8")
    cc = parse_enum(text, "CountryCode")
    cc.rust_name = "CountryCode"  # type: ignore[attr-defined]
    lc = parse_enum(text, "LanguageCodeEnum")
    lc.rust_name = "LanguageCodeEnum"  # type: ignore[attr-defined]
    names = country_names(cc, install)
    n_cc, n_lc = len(cc.values), len(lc.values)
    for v in lc.values:
        assert "-" not in v.name

    out: list[str] = [
        f"//! Saleor's `CountryCode` and `LanguageCodeEnum` enums and the `CountryDisplay` type.",
        "//!",
        f"//! @generated by `scripts/gen_country_rs.py` from `{schema_path.name}` ({n_cc} country codes,",
        f"//! {n_lc} language codes); do not edit by hand, re-run the script instead.",
        "",
        "use std::fmt;",
        "use std::str::FromStr;",
        "",
        "use async_graphql::{Enum, SimpleObject};",
        "",
    ]
    out += gen_enum(cc)
    out += [
        "",
        "impl CountryCode {",
    ]
    out += gen_all(cc)
    out += [""]
    out += gen_str_match("code", 'ISO 3166-1 alpha-2 code, e.g. `"US"`.', cc, lambda v: v.name)
    out += [""]
    out += gen_str_match(
        "name",
        'English country name as Saleor (django-countries) shows it, e.g. `"United States of America"`.',
        cc,
        lambda v: names[v.name],
    )
    out += [
        "",
        '    /// Parses a country code case-insensitively (`"us"`, `"US"`); surrounding whitespace is ignored.',
        "    #[must_use]",
        "    pub fn parse(code: &str) -> Option<Self> {",
        "        let code = code.trim();",
        "        Self::ALL",
        "            .iter()",
        "            .copied()",
        "            .find(|c| c.code().eq_ignore_ascii_case(code))",
        "    }",
        "}",
        "",
    ]
    out += gen_display(cc)
    out += [
        "",
        "#[derive(SimpleObject, Clone, Debug, PartialEq, Eq, Hash)]",
        '#[graphql(name = "CountryDisplay")]',
        "pub struct CountryDisplay {",
    ]
    disp = _type_fields(text, "CountryDisplay")
    for field in ("code", "country"):
        out += doc(disp.get(field), "    ")
        out.append(f"    pub {field}: String,")
    out += [
        "}",
        "",
        "impl From<CountryCode> for CountryDisplay {",
        "    fn from(code: CountryCode) -> Self {",
        "        Self {",
        "            code: code.code().to_owned(),",
        "            country: code.name().to_owned(),",
        "        }",
        "    }",
        "}",
        "",
    ]
    out += gen_enum(lc)
    out += [
        "",
        "impl LanguageCodeEnum {",
    ]
    out += gen_all(lc)
    out += [""]
    out += gen_str_match("code", 'The value as written in Saleor\'s schema, e.g. `"EN_US"`.', lc, lambda v: v.name)
    out += [""]
    out += gen_str_match("name", 'The English name, as Saleor\'s `LanguageDisplay.language` gives it (e.g. `"English (United States)"`).', lc, lambda v: v.description or v.name)
    out += [
        "",
        "    /// Parses a language code case-insensitively, accepting `-` or `_` as the separator",
        '    /// (`"EN_US"`, `"en_us"`, `"en-US"`, `"en-us"`); surrounding whitespace is ignored.',
        "    #[must_use]",
        "    pub fn parse(s: &str) -> Option<Self> {",
        "        let s = s.trim().as_bytes();",
        "        Self::ALL.iter().copied().find(|l| {",
        "            let code = l.code().as_bytes();",
        "            code.len() == s.len()",
        "                && code.iter().zip(s).all(|(&c, &b)| {",
        "                    let b = if b == b'-' { b'_' } else { b };",
        "                    c.eq_ignore_ascii_case(&b)",
        "                })",
        "        })",
        "    }",
        "}",
        "",
    ]
    out += gen_display(lc)
    out += [""]
    out += TESTS.replace("@N_CC@", str(n_cc)).replace("@N_LC@", str(n_lc)).splitlines()
    return "\n".join(out) + "\n"


def _type_fields(text: str, type_name: str) -> dict[str, str]:
    """Descriptions of the fields of `type NAME {` (single-line descriptions only)."""
    lines = text.splitlines()
    idx = next(i for i, line in enumerate(lines) if line.strip().startswith(f"type {type_name} "))
    fields: dict[str, str] = {}
    pending = None
    i = idx + 1
    while lines[i].strip() != "}":
        stripped = lines[i].strip()
        if stripped.startswith('"""'):
            pending, i = _read_description(lines, i)
            continue
        if stripped and pending is not None:
            fields[stripped.split(":")[0].split("(")[0]] = pending
            pending = None
        i += 1
    return fields


TESTS = r"""
#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn country_counts_match_schema() {
        assert_eq!(CountryCode::ALL.len(), @N_CC@);
        let codes: HashSet<_> = CountryCode::ALL.iter().map(|c| c.code()).collect();
        assert_eq!(codes.len(), @N_CC@);
    }

    #[test]
    fn country_parse() {
        assert_eq!(CountryCode::parse("us"), Some(CountryCode::US));
        assert_eq!(CountryCode::parse("US"), Some(CountryCode::US));
        assert_eq!(CountryCode::parse("gB"), Some(CountryCode::GB));
        assert_eq!(CountryCode::parse(" de "), Some(CountryCode::DE));
        assert_eq!(CountryCode::parse("USA"), None);
        assert_eq!(CountryCode::parse(""), None);
        assert_eq!("pl".parse::<CountryCode>(), Ok(CountryCode::PL));
        assert!("zz".parse::<CountryCode>().is_err());
        for c in CountryCode::ALL {
            assert_eq!(CountryCode::parse(c.code()), Some(*c));
            assert_eq!(CountryCode::parse(&c.code().to_lowercase()), Some(*c));
            assert_eq!(c.to_string(), c.code());
        }
    }

    #[test]
    fn country_names() {
        assert_eq!(CountryCode::US.code(), "US");
        assert_eq!(CountryCode::US.name(), "United States of America");
        assert_eq!(CountryCode::GB.name(), "United Kingdom");
        assert_eq!(CountryCode::DE.name(), "Germany");
        assert_eq!(CountryCode::PL.name(), "Poland");
        assert_eq!(CountryCode::EU.name(), "European Union");
        assert_eq!(CountryCode::XK.name(), "Kosovo");
        assert_eq!(CountryCode::AX.name(), "Åland Islands");
        assert!(CountryCode::ALL.iter().all(|c| !c.name().is_empty()));
    }

    #[test]
    fn country_display() {
        let d = CountryDisplay::from(CountryCode::US);
        assert_eq!(d.code, "US");
        assert_eq!(d.country, "United States of America");
    }

    #[test]
    fn language_counts_match_schema() {
        assert_eq!(LanguageCodeEnum::ALL.len(), @N_LC@);
        let codes: HashSet<_> = LanguageCodeEnum::ALL.iter().map(|l| l.code()).collect();
        assert_eq!(codes.len(), @N_LC@);
    }

    #[test]
    fn language_parse() {
        for s in ["EN_US", "en_us", "en-US", "en-us", "En-Us"] {
            assert_eq!(LanguageCodeEnum::parse(s), Some(LanguageCodeEnum::EN_US), "{s}");
        }
        assert_eq!(LanguageCodeEnum::parse("en"), Some(LanguageCodeEnum::EN));
        assert_eq!(LanguageCodeEnum::parse("af-na"), Some(LanguageCodeEnum::AF_NA));
        assert_eq!(LanguageCodeEnum::parse("en_"), None);
        assert_eq!(LanguageCodeEnum::parse("en-USA"), None);
        assert_eq!(LanguageCodeEnum::parse(""), None);
        assert_eq!(LanguageCodeEnum::EN_US.code(), "EN_US");
        assert_eq!(LanguageCodeEnum::EN_US.to_string(), "EN_US");
        assert_eq!("pt-br".parse::<LanguageCodeEnum>(), Ok(LanguageCodeEnum::PT_BR));
        for l in LanguageCodeEnum::ALL {
            assert_eq!(LanguageCodeEnum::parse(l.code()), Some(*l));
            let dashed = l.code().to_lowercase().replace('_', "-");
            assert_eq!(LanguageCodeEnum::parse(&dashed), Some(*l));
        }
    }
}
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--schema", type=Path, default=DEFAULT_SCHEMA)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--no-install", action="store_true", help="do not pip-install missing packages")
    args = ap.parse_args()

    code = generate(args.schema, install=not args.no_install)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(code, encoding="utf-8")
    rustfmt = shutil.which("rustfmt")
    if rustfmt:
        subprocess.run([rustfmt, "--edition", "2024", str(args.out)], check=True)
    else:
        print("warning: rustfmt not found; output left unformatted", file=sys.stderr)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
