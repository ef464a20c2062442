"""The demo's cast: deterministic Indonesian names, +62 mobile numbers and demo e-mail addresses."""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

DEMO_EMAIL_DOMAIN = "jakbar.example.org"

GIVEN_NAMES = (
    "Siti", "Dewi", "Sri", "Rina", "Wulan", "Ayu", "Fitri", "Nur", "Indah", "Ratna", "Yuli",
    "Lestari", "Rahayu", "Maya", "Putri", "Ani", "Eka", "Tuti", "Lina", "Nining", "Budi",
    "Agus", "Joko", "Hendra", "Rudi", "Bambang", "Eko", "Ahmad", "Dedi", "Slamet", "Yusuf",
    "Rizky", "Andi", "Fajar", "Hadi", "Iwan", "Taufik", "Wahyu", "Dimas", "Arif",
)
FAMILY_NAMES = (
    "Susanti", "Wijaya", "Hidayat", "Saputra", "Kurniawan", "Setiawan", "Pratama", "Nugroho",
    "Handayani", "Permatasari", "Rahmawati", "Santoso", "Gunawan", "Hakim", "Siregar",
    "Lubis", "Nasution", "Simanjuntak", "Wibowo", "Purnomo", "Maharani", "Kusuma",
    "Sulistyowati", "Hasibuan", "Firmansyah", "Ramadhan", "Syahputra", "Utami", "Yulianti",
    "Fauzi",
)
# Indonesian mobile prefixes (Telkomsel, Indosat, XL, Tri, Smartfren), without the leading 0.
MOBILE_PREFIXES = ("812", "813", "821", "822", "852", "853", "856", "857", "858", "817",
                   "818", "819", "859", "877", "878", "895", "896", "897", "898", "881")


@dataclass
class Cast:
    """Draws names, phones and e-mails from one seeded generator, never repeating one."""

    rng: random.Random
    phones: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)

    def name(self) -> str:
        return f"{self.rng.choice(GIVEN_NAMES)} {self.rng.choice(FAMILY_NAMES)}"

    def phone(self) -> str:
        while True:
            number = "+62" + self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    def email(self, local_part: str) -> str:
        base = slug(local_part, ".")
        candidate, n = f"{base}@{DEMO_EMAIL_DOMAIN}", 1
        while candidate in self.emails:
            n += 1
            candidate = f"{base}{n}@{DEMO_EMAIL_DOMAIN}"
        self.emails.add(candidate)
        return candidate

    def rt_rw(self) -> tuple[str, str]:
        return f"{self.rng.randint(1, 15):03d}", f"{self.rng.randint(1, 12):03d}"


def slug(text: str, separator: str = "-") -> str:
    """``Kebon Jeruk`` -> ``kebon-jeruk`` (ASCII letters and digits only)."""
    return re.sub(r"[^a-z0-9]+", separator, text.lower()).strip(separator)
