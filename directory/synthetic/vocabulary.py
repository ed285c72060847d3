"""The words synthetic populations are made of: Norwegian names, municipalities,
organisation name parts, job titles, and how professionals spread over roles."""

from __future__ import annotations

import itertools

from directory import types as t

GIVEN = (
    "Ole Lars Jan Per Bjørn Kjell Knut Arne Svein Hans Geir Thomas Morten Tor Erik Terje "
    "Anders Martin Jon Rune Trond Andreas Espen Magnus Jonas Kristian Håkon Sindre Emil "
    "Mathias Henrik Øyvind Stian Vegard Even Sander Tobias Aksel Jakob Filip Ali Mohammed "
    "Piotr Tomasz Ahmad Eirik Gunnar Odd Asbjørn Leif Anne Inger Kari Marit Ingrid Liv Eva "
    "Berit Astrid Bjørg Hilde Anna Solveig Marianne Randi Ida Nina Maria Elisabeth Kristin "
    "Silje Camilla Ingeborg Tone Hanne Ellen Heidi Sofie Nora Emma Thea Ingvild Malin Julie "
    "Sara Maja Åse Gunn Turid Aisha Fatima Agnieszka Guro Synnøve Ragnhild Tuva Frida Mari"
).split()
SURNAMES = (
    "Hansen Johansen Olsen Larsen Andersen Pedersen Nilsen Kristiansen Jensen Karlsen "
    "Johnsen Pettersen Eriksen Berg Haugen Hagen Johannessen Andreassen Jacobsen Dahl "
    "Jørgensen Halvorsen Henriksen Lund Sørensen Jakobsen Moen Gundersen Iversen Strand "
    "Solberg Svendsen Eide Knutsen Martinsen Paulsen Bakken Kristoffersen Mathisen Lie "
    "Amundsen Nguyen Rasmussen Ali Lunde Solheim Berge Moe Nygård Bakke Kristensen "
    "Fredriksen Holm Lien Hauge Christensen Andresen Nielsen Knudsen Evensen Sæther Aas "
    "Myhre Hanssen Ahmed Haugland Thomassen Sivertsen Simonsen Danielsen Berntsen Sandvik "
    "Rønning Arnesen Antonsen Næss Vik Haug Ellingsen Thorsen Edvardsen Birkeland Isaksen "
    "Gulbrandsen Ruud Aasen Strøm Myklebust Tangen Ødegård Eliassen Helland Bøe Jenssen "
    "Aune Mikkelsen Tveit Brekke Abrahamsen Madsen Khan Hussain Kowalski Nowak Grønvold"
).split()
PLACES = (
    "Oslo|Bergen|Trondheim|Stavanger|Bærum|Kristiansand|Drammen|Asker|Lillestrøm|Fredrikstad|"
    "Sandnes|Tromsø|Sarpsborg|Skien|Ålesund|Sandefjord|Nordre Follo|Larvik|Bodø|Arendal|"
    "Tønsberg|Indre Østfold|Karmøy|Ullensaker|Haugesund|Porsgrunn|Moss|Ringsaker|Lørenskog|"
    "Hamar|Halden|Kongsberg|Øygarden|Molde|Askøy|Gjøvik|Lillehammer|Horten|Harstad|Sola|"
    "Rana|Kristiansund|Elverum|Steinkjer|Stjørdal|Levanger|Alta|Narvik|Kongsvinger|Time|"
    "Holmestrand|Grimstad|Hammerfest|Vefsn|Bjørnafjorden|Alver|Voss|Sunnfjord|Vestby|"
    "Ringerike|Ski|Eidsvoll|Notodden|Verdal|Namsos|Orkland|Vadsø|Sør-Varanger|Lenvik|"
    "Senja|Brønnøy|Lyngdal|Flekkefjord|Mandal|Egersund|Stord|Odda|Førde|Florø|Ørsta|Volda|"
    "Sogndal|Tynset|Røros|Oppdal|Fauske|Sortland|Lofoten|Kautokeino|Båtsfjord|Tana"
).split("|")
PLACE_WEIGHTS = list(itertools.accumulate(1 / (i + 1) ** 0.9 for i in range(len(PLACES))))
STREETS = "Storgata Kirkegata Torget Sentrum Strandgata Bryggen Parken Elvebakken Fjellvegen Stasjonsveien".split()
INDUSTRIES = (
    "Bygg Transport Elektro Regnskap Eiendom Rør Maskin Data Handel Snekkeri Verksted Mat Renhold Logistikk"
).split()
WORDS = "Nordlys Fjord Kyst Polar Vestland Tind Havbris Furu Bjørk Granitt Måke Fjell".split()
DEPARTMENTS = (
    "Ortopedisk avdeling|Nevrologisk poliklinikk|Revmatologisk avdeling|Medisinsk klinikk|"
    "Klinikk for fysikalsk medisin og rehabilitering|Arbeidsmedisinsk avdeling"
).split("|")
FIELDS = "ortopedi|nevrologi|revmatologi|indremedisin|psykiatri|arbeidsmedisin|fysikalsk medisin".split("|")
EMPLOYEE_TITLES = (
    "Sykepleier|Lærer|Butikkmedarbeider|Ingeniør|Konsulent|Lagermedarbeider|Renholder|"
    "Saksbehandler|Elektriker|Tømrer|Sjåfør|Kokk|Helsefagarbeider|Selger|Regnskapsfører"
).split("|")
TITLES: dict[t.Role, tuple[str, ...]] = {
    t.Role.NEAREST_MANAGER: (
        "Avdelingsleder", "Teamleder", "Driftsleder", "Daglig leder", "Seksjonsleder", "Butikksjef",
    ),  # fmt: skip
    t.Role.HR: ("HR-rådgiver", "HR-sjef", "Personalkonsulent"),
    t.Role.UNION_REPRESENTATIVE: ("Tillitsvalgt", "Hovedtillitsvalgt", "Klubbleder"),
    t.Role.GP: ("Fastlege", "Fastlege, spesialist i allmennmedisin", "Lege i spesialisering, allmennmedisin"),
    t.Role.LOCUM: ("Vikarlege", "Fastlegevikar"),
    t.Role.SPECIALIST: tuple(f"{p} {f}" for p in ("Overlege,", "Spesialist i") for f in FIELDS),
    t.Role.PSYCHOLOGIST: ("Psykolog", "Psykologspesialist", "Spesialist i klinisk psykologi"),
    t.Role.PHYSIOTHERAPIST: ("Fysioterapeut", "Manuellterapeut", "Spesialist i muskel- og skjelettfysioterapi"),
    t.Role.NAV_ADVISER: ("Veileder", "Veileder, sykefraværsoppfølging", "Rådgiver"),
    t.Role.IA_CONTACT: ("Rådgiver, inkluderende arbeidsliv", "IA-rådgiver"),
    t.Role.BHT_PHYSICIAN: ("Bedriftslege", "Bedriftslege, spesialist i arbeidsmedisin"),
    t.Role.BHT_NURSE: ("Bedriftssykepleier", "Sykepleier, bedriftshelsetjenesten"),
    t.Role.COORDINATOR: ("Koordinator", "Koordinator, Raskere tilbake", "Jobbspesialist"),
}

K = t.OrganisationKind
# (role, share of its group, organisation kinds it works at)
SPECIALIST_ROLES = (
    (t.Role.SPECIALIST, 0.55, (K.HOSPITAL_CLINIC, K.DISTRICT_PSYCHIATRIC_CENTRE)),
    (t.Role.PSYCHOLOGIST, 0.25, (K.DISTRICT_PSYCHIATRIC_CENTRE,)),
    (t.Role.PHYSIOTHERAPIST, 0.20, (K.REHABILITATION_PROGRAMME, K.HOSPITAL_CLINIC)),
)
OTHER_ROLES = (
    (t.Role.HR, 0.30, (K.EMPLOYER,)),
    (t.Role.UNION_REPRESENTATIVE, 0.15, (K.EMPLOYER,)),
    (t.Role.LOCUM, 0.10, (K.GP_OFFICE,)),
    (t.Role.IA_CONTACT, 0.05, (K.NAV_UNIT,)),
    (t.Role.BHT_PHYSICIAN, 0.10, (K.COMPANY_HEALTH_SERVICE,)),
    (t.Role.BHT_NURSE, 0.15, (K.COMPANY_HEALTH_SERVICE,)),
    (t.Role.COORDINATOR, 0.15, (K.REHABILITATION_PROGRAMME,)),
)
