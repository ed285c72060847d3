"""The portal's words: Norwegian bokmål by default, English by choice.

Every piece of text a portal page shows lives here (``STRINGS``) or comes from the
domain's own labels (``consent.types.CATEGORY_LABELS``, ``PURPOSE_LABELS``, the message
kinds' ``title_nb``/``title_en``, the milestones' titles).  Templates reach it through
the ``t`` global; page scripts read the ``js.*`` strings (and the labels they need) from
an inert ``<template id="js-strings">`` in the base template, so no text is hard-coded
in JavaScript either.

The language is a cookie (``samband_lang``), set by the language switch on every page;
without it the portal speaks bokmål, whatever the browser asks for.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from starlette.requests import HTTPConnection

from consent.types import CATEGORY_LABELS, PURPOSE_LABELS, Category, Purpose

LANGS = ("nb", "en")
DEFAULT_LANG = "nb"
COOKIE = "samband_lang"
ZONE = ZoneInfo("Europe/Oslo")  # the portal shows Norwegian wall-clock time

MONTHS = {
    "nb": ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober",
           "november", "desember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}  # fmt: skip


def language_of(request: HTTPConnection) -> str:
    lang = request.cookies.get(COOKIE, DEFAULT_LANG)
    return lang if lang in LANGS else DEFAULT_LANG


# key: (bokmål, English).  ``{name}`` placeholders are filled by ``t(key, name=...)``.
STRINGS: dict[str, tuple[str, str]] = {
    # --- frame ---------------------------------------------------------------------------
    "site.name": ("samband", "samband"),
    "site.tagline": ("Sikker samhandling og samtykke i sykefraværsoppfølgingen",
                     "Secure collaboration and consent in sick-leave follow-up"),
    "frame.skip": ("Hopp til hovedinnholdet", "Skip to main content"),
    "frame.nav": ("Hovedmeny", "Main menu"),
    "frame.signed_in_as": ("Logget inn som {name}", "Signed in as {name}"),
    "frame.logout": ("Logg ut", "Sign out"),
    "frame.login": ("Logg inn", "Sign in"),
    "frame.language": ("Språk", "Language"),
    "frame.switch_to": ("English", "Norsk (bokmål)"),
    "frame.switch_label": ("Bytt språk til engelsk", "Switch language to Norwegian"),
    "frame.footer": ("samband — meldinger krypteres i nettleseren; tjeneren kan ikke lese dem.",
                     "samband — messages are encrypted in your browser; the server cannot read them."),
    "nav.portal": ("Min sak", "My case"),
    "nav.inbox": ("Innboks", "Inbox"),
    "nav.search": ("Finn en person", "Find a person"),
    "nav.keys": ("Nøkler", "Keys"),
    "nav.log": ("Hvem har sett hva", "Who saw what"),
    "flash.region": ("Meldinger", "Notices"),
    # --- landing -------------------------------------------------------------------------
    "landing.title": ("Velkommen til samband", "Welcome to samband"),
    "landing.lead": (
        "Her samarbeider du som er sykmeldt, arbeidsgiveren din, fastlegen, NAV og andre som hjelper deg "
        "tilbake i arbeid — og du bestemmer selv hva hver av dem får vite.",
        "Here you who are on sick leave, your employer, your GP, NAV and others who help you back to work "
        "work together — and you decide what each of them may learn.",
    ),
    "landing.point1": ("Du ser hvem som er med i saken din, og hvorfor.",
                       "You see who takes part in your case, and why."),
    "landing.point2": ("Du gir og trekker tilbake samtykke med ett klikk.",
                       "You give and withdraw consent with one click."),
    "landing.point3": ("Du ser hvem som har fått vite hva om deg, og på hvilket grunnlag.",
                       "You see who has learnt what about you, and on what basis."),
    "landing.login_hint": ("Logg inn for å se saken din eller innboksen din.",
                           "Sign in to see your case or your inbox."),
    # --- errors ----------------------------------------------------------------------------
    "error.title": ("Noe gikk galt", "Something went wrong"),
    "error.not_found": ("Vi fant ikke det du lette etter, eller du har ikke tilgang til det.",
                        "We could not find what you were looking for, or you have no access to it."),
    "error.forbidden": ("Du har ikke tilgang til dette.", "You do not have access to this."),
    "error.back": ("Tilbake til forsiden", "Back to the front page"),
    "error.csrf": ("Skjemaet var utløpt eller ble ikke åpnet her. Last siden på nytt og prøv igjen.",
                   "The form had expired or was not opened here. Reload the page and try again."),
    "error.form": ("Skjemaet har feil. Se merknadene under.", "The form has errors. See the notes below."),
    "logout.title": ("Logg ut", "Sign out"),
    "logout.lead": ("Vil du logge ut av samband?", "Do you want to sign out of samband?"),
    # --- sign-in through identity providers (issue 12) -------------------------------------
    "signin.choose.title": ("Velg hvordan du vil logge inn", "Choose how to sign in"),
    "signin.choose.lead": ("Velg innloggingstjenesten for rollen din i samband.",
                           "Choose the sign-in service for your role in samband."),
    "signin.choose.with": ("Logg inn med {provider}", "Sign in with {provider}"),
    "signin.unknown_provider": ("Vi kjenner ikke denne innloggingstjenesten. Gå til forsiden og logg inn derfra.",
                                "We do not know this sign-in service. Go to the front page and sign in from there."),
    "signin.no_user.title": ("Vi fant deg ikke i samband", "We could not find you in samband"),
    "signin.no_user": (
        "Du logget inn med {provider}, men ingen i samband er registrert med denne identiteten. Be arbeidsgiveren "
        "din, legekontoret eller NAV-kontoret ditt om å legge deg inn i samband, eller logg inn med tjenesten "
        "for rollen din.",
        "You signed in with {provider}, but nobody in samband is registered with this identity. Ask your "
        "employer, your GP's office or your NAV office to add you to samband, or sign in with the service for "
        "your role."),
    "signin.assurance.title": ("Du må logge inn på et høyere sikkerhetsnivå",
                               "You need to sign in at a higher security level"),
    "signin.assurance": (
        "Du logget inn med {provider} på et for lavt sikkerhetsnivå. For å se saken din må du logge inn med "
        "BankID eller et annet høyt sikkerhetsnivå ({needed}).",
        "You signed in with {provider} at too low a security level. To see your case you must sign in with "
        "BankID or another high security level ({needed})."),
    "signin.retry_higher": ("Logg inn på høyere sikkerhetsnivå", "Sign in at a higher security level"),
    "signin.role.title": ("Feil innloggingstjeneste for rollen din", "The wrong sign-in service for your role"),
    "signin.role": ("{provider} er ikke innloggingstjenesten for rollen din i samband. Logg inn med tjenesten "
                    "for rollen din.",
                    "{provider} is not the sign-in service for your role in samband. Sign in with the service for "
                    "your role."),
    "signin.failed.title": ("Innloggingen ble ikke fullført", "Sign-in did not complete"),
    "signin.failed": (
        "Innloggingen hos {provider} ble avbrutt eller var utløpt, for eksempel etter tilbake-knappen eller lang "
        "venting. Prøv igjen.",
        "Sign-in at {provider} was cancelled or had expired, for example after the back button or a long wait. "
        "Try again."),
    "signin.unavailable.title": ("Innloggingstjenesten svarer ikke", "The sign-in service is not answering"),
    "signin.unavailable": ("Vi får ikke kontakt med {provider} akkurat nå. Vent et minutt og prøv igjen.",
                           "We cannot reach {provider} just now. Wait a minute and try again."),
    "signin.retry": ("Prøv igjen", "Try again"),
    "signin.role_choice.title": ("Velg rolle", "Choose a role"),
    "signin.role_choice.lead": ("Du er registrert i samband i flere roller. Velg hvilken du vil bruke nå.",
                                "You are registered in samband in several roles. Choose which one to use now."),
    "signin.role_choice.as": ("Fortsett som {role}", "Continue as {role}"),
    # --- employee: case ---------------------------------------------------------------------
    "portal.title": ("Min sykefraværssak", "My sick-leave case"),
    "portal.hello": ("Hei, {name}", "Hello, {name}"),
    "portal.lead": (
        "Her ser du hvem som er med i saken din, hva de får vite, og hva som skal skje. Du bestemmer over "
        "opplysningene dine.",
        "Here you see who takes part in your case, what they may learn, and what happens next. You decide "
        "over your information.",
    ),
    "portal.no_case": ("Du har ingen åpen sykefraværssak.", "You have no open sick-leave case."),
    "portal.case_heading": ("Saken fra {date}", "Your case from {date}"),
    "portal.case_grade": ("Sykmeldingsgrad nå: {grade} %", "Sick-leave grade now: {grade} %"),
    "portal.people": ("Hvem er med i saken", "Who takes part in your case"),
    "portal.people.name": ("Navn", "Name"),
    "portal.people.role": ("Rolle", "Role"),
    "portal.people.reason": ("Hvorfor de er med", "Why they take part"),
    "portal.people.since": ("Med siden", "Since"),
    "portal.people.you": ("Deg", "You"),
    "portal.people.self_reason": ("Saken gjelder deg", "The case is about you"),
    "portal.people.no_key": ("kan ikke motta krypterte meldinger ennå", "cannot receive encrypted messages yet"),
    # --- employee: consent table --------------------------------------------------------------
    "grants.title": ("Hvem kan se hva", "Who may see what"),
    "grants.lead": (
        "Hvert samtykke sier hvem som kan få hvilke opplysninger, til hva, og hvor lenge. Du kan trekke "
        "tilbake et samtykke når som helst; det gjelder fra samme øyeblikk.",
        "Each consent says who may receive which information, for what, and for how long. You can "
        "withdraw a consent at any time; it takes effect at once.",
    ),
    "grants.none": ("Du har ikke gitt noe samtykke.", "You have not given any consent."),
    "grants.caption": ("Dine samtykker", "Your consents"),
    "grants.who": ("Hvem", "Who"),
    "grants.what": ("Hvilke opplysninger", "Which information"),
    "grants.why": ("Til hva", "For what"),
    "grants.until": ("Gyldig", "Valid"),
    "grants.status": ("Status", "Status"),
    "grants.action": ("Endre", "Change"),
    "grants.from_to": ("{start} – {end}", "{start} – {end}"),
    "grants.revoked_on": ("trukket tilbake {date}", "withdrawn {date}"),
    "grants.from_discloser": ("fra {who}", "from {who}"),
    "grants.revoke": ("Trekk tilbake", "Withdraw"),
    "grants.revoke_label": ("Trekk tilbake samtykket til {who}", "Withdraw the consent to {who}"),
    "grants.history": ("Tidligere samtykker", "Earlier consents"),
    "status.active": ("Gjelder nå", "Active"),
    "status.scheduled": ("Gjelder fra senere", "Starts later"),
    "status.expired": ("Utløpt", "Expired"),
    "status.revoked": ("Trukket tilbake", "Withdrawn"),
    "party.anyone_in_case": ("alle i saken", "anyone in your case"),
    "party.role.nearest_manager": ("nærmeste leder (den som til enhver tid er det)",
                                   "your nearest manager (whoever it is at the time)"),
    "party.role.gp": ("fastlegen din (den som til enhver tid er det)", "your GP (whoever it is at the time)"),
    "party.role.nav_adviser": ("veilederen din i NAV", "your NAV adviser"),
    "party.role.coordinator": ("koordinatoren din", "your coordinator"),
    "party.role.treating_clinician": ("de som behandler deg", "those who treat you"),
    "party.role.hr": ("HR hos arbeidsgiveren din", "HR at your employer"),
    "party.role.union_representative": ("tillitsvalgt", "your union representative"),
    "party.role.bht": ("bedriftshelsetjenesten", "the company health service"),
    # --- employee: grant form -------------------------------------------------------------------
    "grant_form.title": ("Gi et nytt samtykke", "Give a new consent"),
    "grant_form.lead": (
        "Velg hvem, hvilke opplysninger, til hva og hvor lenge. Det er like lett å trekke samtykket tilbake "
        "igjen.",
        "Choose who, which information, for what and for how long. It is just as easy to withdraw it again.",
    ),
    "grant_form.case": ("Sak", "Case"),
    "grant_form.recipient": ("Hvem skal få opplysningene", "Who may receive the information"),
    "grant_form.choose": ("Velg …", "Choose …"),
    "grant_form.people": ("Personer i saken", "People in your case"),
    "grant_form.roles": ("Den som har rollen", "Whoever holds the role"),
    "grant_form.categories": ("Hvilke opplysninger", "Which information"),
    "grant_form.purpose": ("Til hva", "For what"),
    "grant_form.duration": ("Hvor lenge", "For how long"),
    "grant_form.weeks": ("{n} uker", "{n} weeks"),
    "grant_form.submit": ("Gi samtykke", "Give consent"),
    "grant_form.err.recipient": ("Velg hvem som skal få opplysningene.", "Choose who may receive the information."),
    "grant_form.err.categories": ("Velg minst én type opplysninger.", "Choose at least one kind of information."),
    "grant_form.err.purpose": ("Velg hva opplysningene skal brukes til.", "Choose what the information is for."),
    "grant_form.err.duration": ("Velg hvor lenge samtykket skal gjelde.", "Choose how long the consent lasts."),
    "grant_form.err.case": ("Velg saken samtykket gjelder.", "Choose the case the consent is for."),
    "flash.granted": ("Samtykket er gitt til {who}.", "Consent given to {who}."),
    "flash.revoked": ("Samtykket til {who} er trukket tilbake. Det gjelder fra nå.",
                      "The consent to {who} is withdrawn. It takes effect now."),
    "flash.accepted": ("Du sa ja. Samtykket er gitt.", "You said yes. The consent is given."),
    "flash.declined": ("Du sa nei. Ingenting blir delt.", "You said no. Nothing is shared."),
    # --- employee: consent requests ---------------------------------------------------------------
    "requests.title": ("Noen ber om samtykke", "Someone asks for your consent"),
    "requests.none": ("Ingen venter på svar fra deg.", "Nobody is waiting for your answer."),
    "requests.asks": ("{name} ({role}) spør om du vil dele:", "{name} ({role}) asks if you will share:"),
    "requests.why": ("Hvorfor: «{reason}»", "Why: “{reason}”"),
    "requests.to": ("Med: {who}", "With: {who}"),
    "requests.from": ("Fra: {who}", "From: {who}"),
    "requests.purpose": ("Til: {purpose}", "For: {purpose}"),
    "requests.duration": ("Hvor lenge: til {date}", "For how long: until {date}"),
    "requests.free": (
        "Du velger fritt. Sier du nei, får ingen vite det utover at du har svart.",
        "It is your free choice. If you say no, nobody learns more than that you have answered.",
    ),
    "requests.accept": ("Ja, del dette", "Yes, share this"),
    "requests.decline": ("Nei takk", "No thanks"),
    # --- employee: statutory -----------------------------------------------------------------------
    "statutory.title": ("Deling som loven krever", "Sharing the law requires"),
    "statutory.lead": (
        "Noen opplysninger skal deles selv uten samtykke fra deg, fordi loven sier det. Slike delinger vises "
        "også i loggen din, med lovhjemmelen, og stoppes ikke om du trekker tilbake et samtykke.",
        "Some information is shared without your consent because the law says so. Such sharing also shows in "
        "your log, with the law named, and is not stopped by withdrawing a consent.",
    ),
    # --- employee: disclosure log -------------------------------------------------------------------
    "log.title": ("Hvem har fått vite hva om deg", "Who has learnt what about you"),
    "log.lead": ("Alt som er delt om deg, og alle forsøk som ble stoppet, med grunnlaget.",
                 "Everything shared about you, and every attempt that was stopped, with the basis."),
    "log.none": ("Ingenting er delt om deg ennå.", "Nothing has been shared about you yet."),
    "log.all": ("Se hele loggen", "See the whole log"),
    "log.older": ("Eldre hendelser", "Older events"),
    "log.basis": ("Grunnlag: {basis}", "Basis: {basis}"),
    "log.stopped": ("Stoppet: {reason}", "Stopped: {reason}"),
    "log.verified": ("Loggen din er signert av tjenesten (sist signert med {size} hendelser).",
                     "Your log is signed by the service (last signed with {size} events)."),
    "log.someone": ("noen", "someone"),
    "log.you": ("du", "you"),
    "basis.consent": ("ditt samtykke av {date}", "your consent of {date}"),
    "basis.consent_unknown": ("ditt samtykke", "your consent"),
    "basis.statutory": ("{law}", "{law}"),
    "basis.statutory_nav": ("{law} (NAV ba om opplysningene)", "{law} (NAV asked for the information)"),
    "basis.own": ("opplysninger du selv delte eller fikk", "information you shared or received yourself"),
    "deny.no_basis": ("du har ikke gitt samtykke, og loven gir ikke grunnlag", "you gave no consent and no law applies"),
    "deny.revoked": ("du har trukket tilbake samtykket", "you withdrew the consent"),
    "deny.expired": ("samtykket var utløpt", "the consent had expired"),
    "deny.not_yet_valid": ("samtykket gjaldt ikke ennå", "the consent was not valid yet"),
    "deny.excluded": ("du har sagt at denne personen aldri skal få noe", "you said this person must never receive anything"),
    "tag.disclosure:decision:granted": ("{recipient} kan få «{category}» fra {sender}",
                                        "{recipient} may receive “{category}” from {sender}"),
    "tag.disclosure:decision:denied": ("{recipient} kan ikke få «{category}» fra {sender}",
                                       "{recipient} may not receive “{category}” from {sender}"),
    "tag.disclosure:keys:granted": ("{sender} fikk lov å kryptere «{category}» til {recipient}",
                                    "{sender} was allowed to encrypt “{category}” for {recipient}"),
    "tag.disclosure:keys:denied": ("{sender} fikk ikke kryptere «{category}» til {recipient}",
                                   "{sender} was not allowed to encrypt “{category}” for {recipient}"),
    "tag.disclosure:message:granted": ("{sender} sendte «{category}» til {recipient}",
                                       "{sender} sent “{category}” to {recipient}"),
    "tag.disclosure:message:denied": ("En melding fra {sender} til {recipient} med «{category}» ble stoppet",
                                      "A message from {sender} to {recipient} with “{category}” was stopped"),
    "tag.disclosure:read:granted": ("{recipient} åpnet «{category}» fra {sender}",
                                    "{recipient} opened “{category}” from {sender}"),
    "tag.disclosure:read:denied": ("{recipient} fikk ikke åpne «{category}» fra {sender}",
                                   "{recipient} could not open “{category}” from {sender}"),
    "tag.disclosure:push:granted": ("{recipient} fikk levert «{category}» fra {sender}",
                                    "“{category}” from {sender} was delivered to {recipient}"),
    "tag.disclosure:push:denied": ("{recipient} fikk ikke levert «{category}» fra {sender}",
                                   "“{category}” from {sender} was not delivered to {recipient}"),
    "tag.disclosure:message:recalled": ("{actor} trakk tilbake en melding", "{actor} recalled a message"),
    "tag.consent:grant:created": ("Du ga et samtykke", "You gave a consent"),
    "tag.consent:grant:revoked": ("Du trakk tilbake et samtykke", "You withdrew a consent"),
    "tag.consent:exclusion:created": ("Du stengte ute {recipient}", "You excluded {recipient}"),
    "tag.consent:exclusion:lifted": ("Du opphevet utestengingen av {recipient}", "You lifted the exclusion of {recipient}"),
    "tag.consent:request:created": ("{actor} ba deg om samtykke", "{actor} asked you for consent"),
    "tag.consent:request:answered": ("Du svarte på en forespørsel fra {recipient}", "You answered a request from {recipient}"),
    "tag.statutory:nav-request:created": ("{actor} i NAV ba {sender} om opplysninger",
                                          "{actor} at NAV asked {sender} for information"),
    "tag.case:participant:added": ("{actor} la til {recipient} i saken din, og {recipient} fikk vite at du er sykmeldt",
                                   "{actor} added {recipient} to your case, so {recipient} learnt that you are on sick leave"),
    "tag.case:participant:removed": ("{actor} tok {recipient} ut av saken", "{actor} took {recipient} out of the case"),
    "tag.unknown": ("Hendelse i saken din", "Event in your case"),
    # --- disclosure log as lines (issue 9) -------------------------------------------------------------
    "log.person": ("{name} ({role})", "{name} ({role})"),
    "log.list": ("{first} og {last}", "{first} and {last}"),
    "log.a_message": ("en melding", "a message"),
    "log.line.read": ("{recipient} leste {kind} fra {sender} om {categories}",
                      "{recipient} read {kind} from {sender} about {categories}"),
    "log.line.delivered": ("{recipient} har fått {kind} fra {sender} om {categories}, men har ikke åpnet den ennå",
                           "{recipient} has received {kind} from {sender} about {categories}, but has not opened it yet"),
    "log.line.sent": ("{sender} sendte {kind} om {categories} til {recipient}",
                      "{sender} sent {kind} about {categories} to {recipient}"),
    "log.line.prepared": ("{sender} fikk lov å skrive til {recipient} om {categories}, men har ikke sendt noe",
                          "{sender} was allowed to write to {recipient} about {categories}, but has sent nothing"),
    "log.note.sent": ("sendt {when}", "sent {when}"),
    "log.note.reads": ("åpnet {n} ganger", "opened {n} times"),
    "log.note.recalled": ("trukket tilbake {when}", "recalled {when}"),
    "log.note.attempts": ("{n} forsøk", "{n} attempts"),
    "log.because.consent": ("fordi du samtykket {date}", "because you consented on {date}"),
    "log.because.consent_unknown": ("fordi du samtykket", "because you consented"),
    "log.because.statutory": ("fordi loven gir grunnlag: {law}", "because the law allows it: {law}"),
    "log.because.statutory_nav": ("fordi NAV ba om opplysningene, etter {law}",
                                  "because NAV asked for the information, under {law}"),
    "log.because.own": ("fordi du selv delte eller fikk opplysningene", "because you shared or received the information yourself"),
    "log.grant.given": ("Du ga {who} lov til å få {categories} til {purposes}, fram til {until}",
                        "You let {who} receive {categories} for {purposes}, until {until}"),
    "log.grant.from": (", fra {discloser}", ", from {discloser}"),
    "log.grant.withdrawn": ("Du trakk tilbake samtykket som lot {who} få {categories}",
                            "You withdrew the consent that let {who} receive {categories}"),
    "log.stopped.send": ("{sender} ville sende {categories} til {recipient}. Det ble stoppet, og ingenting ble delt.",
                         "{sender} wanted to send {categories} to {recipient}. It was stopped, and nothing was shared."),
    "log.stopped.read": ("{recipient} ville åpne {categories} fra {sender}. Det ble stoppet, og ingenting ble vist.",
                         "{recipient} wanted to open {categories} from {sender}. It was stopped, and nothing was shown."),
    "log.stopped.decision": ("{sender} spurte om {recipient} kan få {categories}. Svaret var nei, og ingenting ble delt.",
                             "{sender} asked whether {recipient} may receive {categories}. The answer was no, and nothing was shared."),
    "log.stopped.why": ("Hvorfor: {reason}.", "Why: {reason}."),
    "log.stopped.help.no_basis": ("Vil du at {recipient} skal få dette, kan du gi samtykke på forsiden din. Ellers trenger du ikke gjøre noe.",
                                  "If you want {recipient} to have this, you can give consent on your front page. Otherwise there is nothing you need to do."),
    "log.stopped.help.revoked": ("Det var slik du ville, og du trenger ikke gjøre noe. Ombestemmer du deg, kan du gi et nytt samtykke.",
                                 "That is as you wanted, and there is nothing you need to do. If you change your mind, you can give a new consent."),
    "log.stopped.help.expired": ("Vil du at {recipient} fortsatt skal få dette, kan du gi et nytt samtykke på forsiden din.",
                                 "If you want {recipient} to keep receiving this, you can give a new consent on your front page."),
    "log.stopped.help.not_yet_valid": ("Samtykket ditt gjelder fra en senere dato. Du trenger ikke gjøre noe.",
                                       "Your consent starts at a later date. There is nothing you need to do."),
    "log.stopped.help.excluded": ("Det var slik du ville, og du trenger ikke gjøre noe.",
                                  "That is as you wanted, and there is nothing you need to do."),
    "log.technical": ("Tekniske oppføringer i loggen ({n})", "Technical log entries ({n})"),
    "log.seq": ("Nr. {seq}:", "No. {seq}:"),
    "log.filter.label": ("Vis bare hendelser med", "Show only events with"),
    "log.filter.everyone": ("Alle", "Everyone"),
    "log.filter.submit": ("Vis", "Show"),
    "log.filter.showing": ("Viser hendelser med {name}.", "Showing events with {name}."),
    "log.filter.clear": ("Vis alle", "Show everyone"),
    "log.filter.unknown": ("Den personen finnes ikke i loggen din. Velg noen fra lista.",
                           "That person is not in your log. Choose someone from the list."),
    # --- employee: timeline -----------------------------------------------------------------------
    "timeline.title": ("Hva skal skje, og når", "What happens, and when"),
    "timeline.when": ("Frist", "Due"),
    "timeline.what": ("Hva", "What"),
    "timeline.who": ("Ansvarlig", "Responsible"),
    "timeline.state": ("Status", "Status"),
    "milestone.done": ("Ferdig", "Done"),
    "milestone.upcoming": ("Kommer", "Upcoming"),
    "milestone.due_soon": ("Snart", "Due soon"),
    "milestone.due": ("I dag", "Due today"),
    "milestone.overdue": ("Forsinket", "Overdue"),
    "milestone.not_applicable": ("Gjelder ikke", "Does not apply"),
    "responsible.employer": ("arbeidsgiver", "employer"),
    "responsible.employee": ("deg", "you"),
    "responsible.nav": ("NAV", "NAV"),
    "responsible.gp": ("fastlegen", "the GP"),
    # --- inbox --------------------------------------------------------------------------------------
    "inbox.title": ("Innboks", "Inbox"),
    "inbox.lead": ("Sakene du er med i, og samtalene dine. Uleste først.",
                   "The cases you take part in, and your conversations. Unread first."),
    "inbox.no_cases": ("Du er ikke med i noen saker ennå. Finn en person for å komme i gang.",
                       "You take part in no cases yet. Find a person to get started."),
    "inbox.case": ("Sak: {name}", "Case: {name}"),
    "inbox.case_meta": ("Sykmeldt fra {date}, {grade} %. Du er med som {role}.",
                        "On sick leave from {date}, {grade} %. You take part as {role}."),
    "inbox.threads": ("Samtaler", "Conversations"),
    "inbox.no_threads": ("Ingen samtaler i denne saken ennå.", "No conversations in this case yet."),
    "inbox.unread": ("{n} ulest", "{n} unread"),
    "inbox.unread_many": ("{n} uleste", "{n} unread"),
    "inbox.messages": ("{n} meldinger", "{n} messages"),
    "inbox.message_one": ("1 melding", "1 message"),
    "inbox.with": ("Med: {names}", "With: {names}"),
    "inbox.last": ("Sist: {time}", "Last: {time}"),
    "inbox.new": ("Start en ny samtale", "Start a new conversation"),
    "inbox.members": ("Hvem skal være med", "Who takes part"),
    "inbox.topic": ("Emne", "Topic"),
    "inbox.topic.conversation": ("Samtale", "Conversation"),
    "inbox.start": ("Start samtalen", "Start the conversation"),
    "inbox.err.members": ("Velg minst én person.", "Choose at least one person."),
    "inbox.my_requests": ("Dine forespørsler om samtykke", "Your consent requests"),
    "inbox.request_line": ("Til {name}: {categories} — {status}", "To {name}: {categories} — {status}"),
    "request.pending": ("venter på svar", "waiting for an answer"),
    "request.accepted": ("sa ja", "said yes"),
    "request.declined": ("sa nei", "said no"),
    "request.withdrawn": ("trukket tilbake", "withdrawn"),
    "flash.thread_started": ("Samtalen er startet.", "The conversation has started."),
    "flash.participant_added": ("{name} er lagt til i saken.", "{name} has been added to the case."),
    "flash.recalled": ("Meldingen er trukket tilbake.", "The message has been recalled."),
    # --- search -----------------------------------------------------------------------------------
    "search.title": ("Finn en person", "Find a person"),
    "search.label": ("Navn, sted, arbeidsplass, rolle eller HPR-nummer", "Name, place, workplace, role or HPR number"),
    "search.submit": ("Søk", "Search"),
    "search.results": ("Treff for «{q}»", "Results for “{q}”"),
    "search.none": ("Ingen treff.", "No results."),
    "search.in_case": ("Med i saken til {name}", "Takes part in {name}’s case"),
    "search.start": ("Start samtale i saken til {name}", "Start a conversation in {name}’s case"),
    "search.can_add": ("Kan legges til i saken til {name} som {role}", "Can be added to {name}’s case as {role}"),
    "search.reason": ("Hvorfor (den sykmeldte leser dette)", "Why (the employee reads this)"),
    "search.add": ("Legg til i saken", "Add to the case"),
    "search.not_related": ("Ikke knyttet til noen av sakene dine.", "Not related to any of your cases."),
    "search.no_key": ("Kan ikke motta krypterte meldinger ennå.", "Cannot receive encrypted messages yet."),
    "search.err.reason": ("Skriv med noen få ord hvorfor personen legges til.",
                          "Say in a few words why the person is added."),
    # --- thread -------------------------------------------------------------------------------------
    "thread.title": ("Samtale i saken til {name}", "Conversation in {name}’s case"),
    "thread.back": ("Tilbake til innboksen", "Back to the inbox"),
    "thread.members": ("Med i samtalen", "In this conversation"),
    "thread.messages": ("Meldinger", "Messages"),
    "thread.none": ("Ingen meldinger ennå.", "No messages yet."),
    "thread.from": ("Fra {name}", "From {name}"),
    "thread.sent_at": ("Sendt {time}", "Sent {time}"),
    "thread.reply_to": ("Svar på en tidligere melding", "Reply to an earlier message"),
    "thread.recalled": ("Trukket tilbake av avsenderen", "Recalled by the sender"),
    "thread.no_sections": (
        "Du fikk ikke innholdet i denne meldingen: det manglet grunnlag for å dele det med deg.",
        "You did not receive the content of this message: there was no basis to share it with you.",
    ),
    "thread.unread": ("Ulest", "Unread"),
    "thread.opening": ("Åpner meldingen …", "Opening the message …"),
    "thread.receipts": ("Lest av", "Read by"),
    "thread.receipt_read": ("{name}: lest {time}", "{name}: read {time}"),
    "thread.receipt_delivered": ("{name}: levert", "{name}: delivered"),
    "thread.receipt_waiting": ("{name}: ikke levert ennå", "{name}: not delivered yet"),
    "thread.recall": ("Trekk tilbake meldingen", "Recall the message"),
    "thread.answer": ("Svar på innkallingen", "Answer the invitation"),
    "thread.answer.coming": ("Jeg kommer", "I am coming"),
    "thread.answer.new_time_wanted": ("Jeg ønsker et nytt tidspunkt", "I want a new time"),
    "thread.answer.cannot_come": ("Jeg kan ikke komme", "I cannot come"),
    "thread.live": ("Nye meldinger kommer inn automatisk.", "New messages appear automatically."),
    "compose.title": ("Skriv en melding", "Write a message"),
    "compose.kind": ("Type melding", "Kind of message"),
    "compose.choose_kind": ("Velg skjema", "Choose form"),
    "compose.lead": (
        "Meldingen krypteres i nettleseren din. Hver mottaker får bare de delene de har grunnlag for å se.",
        "The message is encrypted in your browser. Each recipient gets only the parts they have a basis to see.",
    ),
    "compose.reply_to": ("Svar på", "Reply to"),
    "compose.no_reply": ("Ingen (ny melding)", "None (new message)"),
    "compose.required": ("må fylles ut", "required"),
    "compose.yes": ("Ja", "Yes"),
    "compose.no": ("Nei", "No"),
    "compose.unset": ("Ikke valgt", "Not chosen"),
    "compose.item": ("{label} {n}", "{label} {n}"),
    "compose.send": ("Send kryptert", "Send encrypted"),
    "compose.cannot_send": ("Din rolle kan ikke sende denne typen melding.", "Your role cannot send this kind of message."),
    "consent_missing.title": ("Det mangler samtykke", "Consent is missing"),
    "consent_missing.lead": (
        "Meldingen ble ikke sendt. Disse mottakerne har ikke grunnlag for å få disse opplysningene:",
        "The message was not sent. These recipients have no basis to receive this information:",
    ),
    "consent_missing.reason": ("Hvorfor trenger du dette (den sykmeldte leser det)",
                               "Why do you need this (the employee reads it)"),
    "consent_missing.duration": ("Hvor lenge", "For how long"),
    "consent_missing.ask": ("Be den sykmeldte om samtykke", "Ask the employee for consent"),
    # --- keys -----------------------------------------------------------------------------------------
    "keys.title": ("Dine nøkler", "Your keys"),
    "keys.lead": (
        "Meldinger i samband krypteres slik at bare mottakerne kan lese dem. Nøklene som åpner dem, lages og "
        "lagres i denne nettleseren. Tjeneren får bare de offentlige delene og en sikkerhetskopi som er låst "
        "med passordfrasen din.",
        "Messages in samband are encrypted so that only their recipients can read them. The keys that open "
        "them are made and kept in this browser. The server gets only the public halves and a backup locked "
        "with your passphrase.",
    ),
    "keys.checking": ("Ser etter nøkler i denne nettleseren …", "Looking for keys in this browser …"),
    "keys.ready": ("Nøklene dine er på plass i denne nettleseren.", "Your keys are in place in this browser."),
    "keys.continue": ("Fortsett", "Continue"),
    "keys.setup.title": ("Lag nøklene dine", "Make your keys"),
    "keys.setup.lead": (
        "Velg en passordfrase. Den låser sikkerhetskopien av nøklene, så du kan hente dem på en annen enhet. "
        "Vi kan ikke finne den igjen for deg.",
        "Choose a passphrase. It locks the backup of your keys so you can fetch them on another device. We "
        "cannot recover it for you.",
    ),
    "keys.passphrase": ("Passordfrase (minst 10 tegn)", "Passphrase (at least 10 characters)"),
    "keys.passphrase_again": ("Skriv passordfrasen en gang til", "Type the passphrase again"),
    "keys.setup.submit": ("Lag nøkler", "Make keys"),
    "keys.restore.title": ("Hent nøklene dine", "Fetch your keys"),
    "keys.restore.lead": (
        "Du har nøkler fra en annen enhet. Skriv passordfrasen din for å låse opp sikkerhetskopien her.",
        "You have keys from another device. Type your passphrase to unlock the backup here.",
    ),
    "keys.restore.passphrase": ("Passordfrase", "Passphrase"),
    "keys.restore.submit": ("Lås opp", "Unlock"),
    "keys.restore.forgot": ("Har du glemt passordfrasen?", "Forgot your passphrase?"),
    "keys.reset.title": ("Lag nye nøkler", "Make new keys"),
    "keys.reset.lead": (
        "Uten nøklene eller passordfrasen kan du ikke åpne meldinger som er sendt til deg tidligere. Du kan "
        "lage nye nøkler; de gamle blir da trukket tilbake, og nye meldinger krypteres til de nye.",
        "Without your keys or your passphrase you cannot open messages sent to you before. You can make new "
        "keys; the old ones are then revoked and new messages are encrypted to the new ones.",
    ),
    "keys.reset.submit": ("Trekk tilbake de gamle og lag nye nøkler", "Revoke the old keys and make new ones"),
    "keys.needed": ("Denne siden trenger nøklene dine.", "This page needs your keys."),
    "keys.go": ("Gå til nøklene dine", "Go to your keys"),
    # --- the employee's threads (issue 9) ------------------------------------------------------------
    "empthreads.title": ("Samtaler", "Conversations"),
    "empthreads.lead": ("Her leser og svarer du på meldinger fra dem som er med i saken din. Uleste først.",
                        "Here you read and answer messages from the people in your case. Unread first."),
    "empthreads.none": ("Ingen samtaler ennå. Når noen skriver til deg, kommer det her.",
                        "No conversations yet. When someone writes to you, it shows here."),
    "empthreads.with": ("med {names}", "with {names}"),
    "empthreads.thread_title": ("Samtale i saken din", "Conversation in your case"),
    "empthreads.unread": ("Du har {n} uleste meldinger.", "You have {n} unread messages."),
    "empthreads.unread_one": ("Du har 1 ulest melding.", "You have 1 unread message."),
    "empthreads.unread_go": ("Gå til samtalene", "Go to the conversations"),
    "empthreads.new": ("Start en samtale", "Start a conversation"),
    "empthreads.members": ("Hvem vil du skrive til", "Whom do you want to write to"),
    "empthreads.topic": ("Emne", "Topic"),
    "empthreads.start": ("Start samtalen", "Start the conversation"),
    "empthreads.err.members": ("Velg bare personer som er med i saken din.",
                               "Choose only people who take part in your case."),
    "empthreads.back": ("Tilbake til saken din", "Back to your case"),
    "empthreads.keys_needed": (
        "For å lese og svare på meldinger i saken din trenger du nøkler på denne enheten. Det tar ett steg.",
        "To read and answer messages in your case you need keys on this device. It takes one step.",
    ),
    "empthreads.keys_go": ("Lag eller hent nøklene dine", "Make or fetch your keys"),
    "empthreads.keys_why": (
        "Du trenger nøkler for å lese og svare på meldinger i saken din. Meldingene låses med nøklene dine, så "
        "bare du og dem du skriver med kan lese dem — ikke samband selv.",
        "You need keys to read and answer messages in your case. Messages are locked with your keys, so only "
        "you and the people you write with can read them — not samband itself.",
    ),
    "empthreads.keys_back": ("Tilbake til saken din", "Back to your case"),
    "empthreads.no_sections": (
        "Denne meldingen ble sendt før du hadde nøkler, så den kan ikke åpnes. "
        "Be avsenderen om å sende den på nytt.",
        "This message was sent before you had keys, so it cannot be opened. Ask the sender to send it again.",
    ),
    "empthreads.not_sent": ("Meldingen ble ikke sendt", "The message was not sent"),
    "empthreads.not_sent_lead": (
        "Ingen i samtalen kan ta imot den ennå: de har ikke laget nøklene sine. Prøv igjen senere.",
        "Nobody in the conversation can receive it yet: they have not made their keys. Try again later.",
    ),
    "empthreads.answered": ("Du har svart — se svaret ditt", "You have answered — see your answer"),
    "empthreads.ack.title": ("Svar på planen", "Answer the plan"),
    "empthreads.ack.comment": ("Kommentar (skriv den hvis du har kommentarer)",
                               "Comment (write it if you have comments)"),
    "empthreads.own_plan": ("Skriv din egen versjon av planen", "Write your own version of the plan"),
    "choice.acknowledgement.read_and_agree": ("Jeg har lest planen og er enig", "I have read the plan and agree"),
    "choice.acknowledgement.read_with_comments": ("Jeg har lest planen og har kommentarer",
                                                  "I have read the plan and have comments"),
    "js.empthreads_comment_needed": ("Skriv kommentaren din først.", "Write your comment first."),
    "js.empthreads_ack_title": ("Svar på planen", "Answer the plan"),
    "js.empthreads_ack_comment": ("Kommentar (skriv den hvis du har kommentarer)",
                                  "Comment (write it if you have comments)"),
    # --- strings for page scripts (js.*) ---------------------------------------------------------------
    "js.wrong_passphrase": ("Feil passordfrase — prøv igjen", "Wrong passphrase — try again"),
    "js.passphrase_short": ("Passordfrasen må ha minst 10 tegn.", "The passphrase needs at least 10 characters."),
    "js.passphrase_mismatch": ("Passordfrasene er ikke like.", "The passphrases do not match."),
    "js.working_keys": ("Lager nøkler og låser sikkerhetskopien … (det tar noen sekunder)",
                        "Making keys and locking the backup … (this takes a few seconds)"),
    "js.working_unlock": ("Låser opp … (det tar noen sekunder)", "Unlocking … (this takes a few seconds)"),
    "js.keys_saved": ("Nøklene er laget og lagret. Sikkerhetskopien er lastet opp.",
                      "Your keys are made and stored. The backup is uploaded."),
    "js.keys_restored": ("Nøklene er hentet og lagret i denne nettleseren.", "Your keys are fetched and stored in this browser."),
    "js.backup_failed": ("Nøklene er laget, men sikkerhetskopien kunne ikke lastes opp: {message}",
                         "Your keys are made, but the backup could not be uploaded: {message}"),
    "js.backup_mismatch": ("Sikkerhetskopien hører ikke til nøklene som er publisert for deg.",
                           "The backup does not belong to the keys published for you."),
    "js.no_backup": ("Det finnes ingen sikkerhetskopi av nøklene dine.", "There is no backup of your keys."),
    "js.no_keys": ("Nøklene dine finnes ikke i denne nettleseren.", "Your keys are not in this browser."),
    "js.no_crypto": ("Nettleseren din mangler det som trengs for kryptering (IndexedDB og Web Crypto).",
                     "Your browser lacks what encryption needs (IndexedDB and Web Crypto)."),
    "js.error": ("Noe gikk galt: {message}", "Something went wrong: {message}"),
    "js.opening": ("Åpner meldingen …", "Opening the message …"),
    "js.open_failed": ("Meldingen kunne ikke åpnes: den er ikke kryptert til nøklene i denne nettleseren.",
                       "The message could not be opened: it is not encrypted to the keys in this browser."),
    "js.tampered": ("Meldingen kunne ikke bekreftes og vises ikke.", "The message could not be verified and is not shown."),
    "js.recalled": ("Trukket tilbake av avsenderen", "Recalled by the sender"),
    "js.consent_gone": ("Grunnlaget for å vise deg denne meldingen gjelder ikke lenger.",
                        "The basis for showing you this message no longer holds."),
    "js.withheld": ("Holdt tilbake (grunnlaget gjelder ikke lenger): {categories}",
                    "Withheld (the basis no longer holds): {categories}"),
    "js.not_found": ("Meldingen finnes ikke for deg.", "The message does not exist for you."),
    "js.yes": ("Ja", "Yes"),
    "js.no": ("Nei", "No"),
    "js.sending": ("Krypterer og sender …", "Encrypting and sending …"),
    "js.sent": ("Meldingen er sendt.", "The message is sent."),
    "js.partial": ("Sendt, men {name} fikk ikke «{category}»: {reason}",
                   "Sent, but {name} did not get “{category}”: {reason}"),
    "js.form_error": ("Sjekk feltet «{label}»: {message}", "Check the field “{label}”: {message}"),
    "js.form_error_plain": ("Skjemaet har en feil: {message}", "The form has an error: {message}"),
    "js.missing_row": ("{name} kan ikke få «{category}»: {reason}", "{name} may not receive “{category}”: {reason}"),
    "js.request_sent": ("Forespørselen er sendt. Den sykmeldte svarer i sin portal.",
                        "The request is sent. The employee answers in their portal."),
    "js.request_reason_short": ("Skriv med noen få ord hvorfor du trenger opplysningene.",
                                "Say in a few words why you need the information."),
    "js.new_message": ("Ny melding fra {name}", "New message from {name}"),
    "js.receipt_read": ("{name}: lest", "{name}: read"),
    "js.receipt_delivered": ("{name}: levert", "{name}: delivered"),
    "js.live_lost": ("Mistet forbindelsen; prøver igjen …", "Connection lost; retrying …"),
    "js.live_ok": ("Tilkoblet: nye meldinger kommer inn automatisk.", "Connected: new messages appear automatically."),
    "js.from": ("Fra {name}", "From {name}"),
    "js.someone": ("ukjent avsender", "unknown sender"),
    "js.unread": ("{n} uleste", "{n} unread"),
    "js.missing.no_basis": ("den sykmeldte har ikke gitt samtykke, og loven gir ikke grunnlag",
                            "the employee has not consented, and no law applies"),
    "js.missing.revoked": ("den sykmeldte har trukket tilbake samtykket", "the employee withdrew the consent"),
    "js.missing.expired": ("samtykket er utløpt", "the consent has expired"),
    "js.missing.not_yet_valid": ("samtykket gjelder ikke ennå", "the consent is not valid yet"),
    "js.missing.excluded": ("den sykmeldte har sagt at denne personen aldri skal få noe",
                            "the employee has said this person must never receive anything"),
    "js.recall": ("Trekk tilbake meldingen", "Recall the message"),
    "js.answer_title": ("Svar på innkallingen", "Answer the invitation"),
    "js.reply": ("Svar på: {kind}", "Reply to: {kind}"),
    "js.required": ("må fylles ut", "is required"),
    "js.new_message_in": ("Ny melding: {topic}", "New message: {topic}"),
    "js.new_thread": ("Ny melding i en samtale som ikke vises her ennå. Last siden på nytt for å se den.",
                      "A new message in a conversation not shown here yet. Reload the page to see it."),
    "js.receipts": ("Lest av", "Read by"),
    "js.keys_published_elsewhere": ("Nøklene i denne nettleseren er ikke de som er publisert for deg.",
                                    "The keys in this browser are not the ones published for you."),
    # --- the log checked in the browser (issue 10) ----------------------------------------------------
    "logcheck.title": ("Kontroll av loggen", "Check of the log"),
    "logcheck.details": ("Detaljer om kontrollen", "About the check"),
    "logcheck.broken.title": ("Loggen din er endret eller avkortet", "Your log has been changed or cut"),
    "logcheck.broken.what": (
        "Nettleseren din kontrollerer selv loggen over hvem som har fått vite hva om deg. Nå stemmer den ikke: "
        "noe i den er endret, fjernet eller kuttet bort etter at det ble skrevet. Det du ser på denne siden, "
        "kan derfor være ufullstendig eller feil. Samtykkene dine gjelder som før.",
        "Your browser checks for itself the log of who has learnt what about you. Now it does not add up: "
        "something in it was changed, removed or cut off after it was written. What you see on this page may "
        "therefore be incomplete or wrong. Your consents still apply as before."),
    "logcheck.broken.contact": (
        "Ta et skjermbilde av denne siden og kontakt personvernombudet der du jobber, eller NAV-kontoret ditt. "
        "Du kan også klage til Datatilsynet (datatilsynet.no). Du har ikke gjort noe galt.",
        "Take a screenshot of this page and contact the data protection officer where you work, or your NAV "
        "office. You can also complain to the Norwegian Data Protection Authority (datatilsynet.no). You have "
        "done nothing wrong."),
    "logcheck.broken.details": ("Teknisk beskrivelse", "Technical description"),
    "js.logcheck_checking": ("Kontrollerer loggen i nettleseren din …", "Checking the log in your browser …"),
    "js.logcheck_ok": ("Loggen er kontrollert i nettleseren din: {n} hendelser, sist signert {time}.",
                       "The log has been checked in your browser: {n} events, last signed {time}."),
    "js.logcheck_ok_one": ("Loggen er kontrollert i nettleseren din: 1 hendelse, sist signert {time}.",
                           "The log has been checked in your browser: 1 event, last signed {time}."),
    "js.logcheck_unavailable": ("Loggen kunne ikke kontrolleres akkurat nå ({message}). Last siden på nytt senere.",
                                "The log could not be checked just now ({message}). Reload the page later."),
    "js.logcheck_detail_entries": (
        "Alle {n} hendelsene på denne siden er kontrollert mot loggens signerte hode ({size} hendelser i alt).",
        "All {n} events on this page were checked against the log's signed head ({size} events in all)."),
    "js.logcheck_detail_since": (
        "Loggen bygger på den denne nettleseren kontrollerte sist ({n} hendelser, signert {time}): ingenting i den er endret eller fjernet.",
        "The log extends the one this browser checked last ({n} events, signed {time}): nothing in it was changed or removed."),
    "js.logcheck_detail_first": (
        "Første kontroll i denne nettleseren: loggens nøkkel og hode er lagret her, så neste besøk sammenlignes med dette.",
        "First check in this browser: the log's key and head are stored here, so your next visit is compared with this one."),
    "js.logcheck_detail_log": ("Logg-ID: {id}", "Log id: {id}"),
    "js.logcheck_detail_root": ("Rot-hash: {root}", "Root hash: {root}"),
    "js.logcheck_detail_key": ("Signert med nøkkel {key} (Ed25519 {raw})", "Signed with key {key} (Ed25519 {raw})"),
    "js.logcheck_reason_entry": ("En hendelse i loggen stemmer ikke med det som ble skrevet: den er endret.",
                                 "An event in the log does not match what was written: it has been changed."),
    "js.logcheck_reason_gap": ("En hendelse mangler i loggen: den er fjernet.",
                               "An event is missing from the log: it has been removed."),
    "js.logcheck_reason_missing": ("Siden viser en hendelse som ikke finnes i den signerte loggen.",
                                   "The page shows an event that is not in the signed log."),
    "js.logcheck_reason_signature": ("Loggen er ikke signert slik den skal være.", "The log is not signed as it should be."),
    "js.logcheck_reason_key": ("Loggen er signert med en annen nøkkel enn da denne nettleseren så den første gang.",
                               "The log is signed with another key than when this browser first saw it."),
    "js.logcheck_reason_not_yours": ("Tjeneren sendte en logg som ikke er din.", "The server sent a log that is not yours."),
    "js.logcheck_reason_cut": (
        "Loggen er kortere nå enn da denne nettleseren kontrollerte den {time} ({old} hendelser): hendelser er kuttet bort.",
        "The log is shorter now than when this browser checked it on {time} ({old} events): events have been cut off."),
    "js.logcheck_reason_rewritten": (
        "Loggen bygger ikke lenger på den denne nettleseren kontrollerte {time} ({old} hendelser): den er skrevet om.",
        "The log no longer extends the one this browser checked on {time} ({old} events): it has been rewritten."),
    # --- forms that protect people (issue 9) ------------------------------------------------------------
    "confirm.cancel": ("Avbryt", "Cancel"),
    "withdraw.title": ("Trekke tilbake samtykket til {who}?", "Withdraw your consent to {who}?"),
    "withdraw.what": ("{who} får ikke lenger: {categories}.", "{who} will no longer get: {categories}."),
    "withdraw.at_once": ("Det gjelder med en gang. Meldinger som ikke er åpnet ennå, blir holdt tilbake.",
                         "It takes effect at once. Messages not yet opened are held back."),
    "withdraw.already": ("Det som allerede er lest, kan ikke gjøres ulest.", "What has already been read cannot be unread."),
    "withdraw.undo": ("Angrer du? I {seconds} sekunder etterpå kan du gi det samme samtykket igjen med ett trykk.",
                      "Changed your mind? For {seconds} seconds afterwards you can give the same consent again with one tap."),
    "withdraw.confirm": ("Ja, trekk tilbake", "Yes, withdraw"),
    "undo.title": ("Samtykket til {who} er trukket tilbake.", "Your consent to {who} is withdrawn."),
    "undo.button": ("Angre: gi det samme samtykket igjen", "Undo: give the same consent again"),
    "undo.left": ("Du kan angre i {seconds} sekunder.", "You can undo for {seconds} seconds."),
    "flash.undone": ("Samtykket til {who} gjelder igjen, med de samme vilkårene.",
                     "Your consent to {who} applies again, with the same terms."),
    "flash.undo_too_late": ("Det er for sent å angre. Gi et nytt samtykke i skjemaet.",
                            "It is too late to undo. Give a new consent in the form."),
    "recall.title": ("Trekke tilbake meldingen?", "Recall the message?"),
    "recall.what": ("Du trekker tilbake «{kind}», sendt {time}.", "You are recalling “{kind}”, sent {time}."),
    "recall.unread": ("De som ikke har åpnet den, får ikke se den.", "Those who have not opened it will not see it."),
    "recall.read": ("De som har åpnet den, ser at den er trukket tilbake. Det de har lest, kan ikke gjøres ulest.",
                    "Those who opened it see that it was recalled. What they read cannot be unread."),
    "recall.final": ("Det gjelder med en gang og kan ikke angres. Vil du rette noe, send en ny melding.",
                     "It takes effect at once and cannot be undone. To correct something, send a new message."),
    "recall.confirm": ("Ja, trekk tilbake meldingen", "Yes, recall the message"),
    "limit.health_not_for_employer": (
        "En arbeidsgiver kan ikke be om diagnose, prøvesvar eller sykehistorie. Arbeidsgiver følger opp gjennom "
        "funksjon og arbeidsoppgaver; bare den sykmeldte selv kan velge å dele mer.",
        "An employer may not ask for the diagnosis, test results or medical history. The employer follows up "
        "through function and work tasks; only the employee may choose to share more."),
    "limit.private_life_not_for_employer": (
        "En arbeidsgiver kan ikke be om personlige og psykososiale forhold; bare den sykmeldte selv kan velge å dele dem.",
        "An employer may not ask about personal and psychosocial circumstances; only the employee may choose to share them."),
    "js.limit.health_not_for_employer": (
        "Du kan ikke be om dette: en arbeidsgiver kan ikke be om diagnose, prøvesvar eller sykehistorie.",
        "You cannot ask for this: an employer may not ask for the diagnosis, test results or medical history."),
    "js.limit.private_life_not_for_employer": (
        "Du kan ikke be om dette: en arbeidsgiver kan ikke be om personlige og psykososiale forhold.",
        "You cannot ask for this: an employer may not ask about personal and psychosocial circumstances."),
    "js.limit_nothing_to_ask": ("Det som mangler, kan du ikke be om. Fjern de delene fra meldingen.",
                                "What is missing is not yours to ask for. Take those parts out of the message."),
    "js.undo_left": ("Du kan angre i {seconds} sekunder.", "You can undo for {seconds} seconds."),
    "js.undo_gone": ("Tiden for å angre er ute. Du kan gi et nytt samtykke i skjemaet.",
                     "The time to undo is over. You can give a new consent in the form."),
    "js.preview_title": ("Hvem får hva", "Who gets what"),
    "js.preview_lead": ("Se over før du sender. Meldingen er ikke sendt ennå.",
                        "Check before you send. The message is not sent yet."),
    "js.preview_gets": ("{name} får: {categories}", "{name} gets: {categories}"),
    "js.preview_gets_not": ("får ikke: {list}", "does not get: {list}"),
    "js.preview_item": ("{category} ({reason})", "{category} ({reason})"),
    "js.preview_nothing": ("{name} får ingenting: {list}", "{name} gets nothing: {list}"),
    "js.preview_send": ("Send", "Send"),
    "js.preview_edit": ("Endre meldingen", "Change the message"),
    "js.short.no_basis": ("ingen samtykke", "no consent"),
    "js.short.revoked": ("samtykket er trukket tilbake", "consent withdrawn"),
    "js.short.expired": ("samtykket er utløpt", "consent expired"),
    "js.short.not_yet_valid": ("samtykket gjelder ikke ennå", "consent not valid yet"),
    "js.short.excluded": ("utelukket av den sykmeldte", "excluded by the employee"),
    "js.short.no_keys": ("har ingen nøkler ennå", "has no keys yet"),
    "js.draft_saved": ("Meldingen er lagret som utkast i denne nettleseren (ikke på tjeneren). Når samtykket er gitt, sender du den med ett trykk.",
                       "The message is kept as a draft in this browser (not on the server). Once consent is given, you send it with one tap."),
    "js.draft_title": ("Utkast som venter på samtykke", "Draft waiting for consent"),
    "js.draft_what": ("«{kind}», lagret {time}.", "“{kind}”, saved {time}."),
    "js.draft_send": ("Send utkastet", "Send the draft"),
    "js.draft_delete": ("Slett utkastet", "Delete the draft"),
    "js.draft_sent": ("Utkastet er sendt og slettet fra nettleseren.", "The draft is sent and deleted from this browser."),
    "js.draft_deleted": ("Utkastet er slettet.", "The draft is deleted."),
    "js.problem.required": ("må fylles ut", "is required"),
    "js.problem.too_short": ("er for kort; skriv minst {min} tegn", "is too short; at least {min} characters"),
    "js.problem.too_long": ("er for lang; høyst {max} tegn", "is too long; at most {max} characters"),
    "js.problem.choice": ("velg et av valgene", "choose one of the options"),
    "js.problem.whole_number": ("må være et helt tall", "must be a whole number"),
    "js.problem.min": ("må være minst {min}", "must be at least {min}"),
    "js.problem.max": ("kan være høyst {max}", "must be at most {max}"),
    "js.problem.boolean": ("må være ja eller nei", "must be yes or no"),
    "js.problem.date": ("må være en dato", "must be a date"),
    "js.problem.datetime": ("må være en dato og et klokkeslett", "must be a date and a time"),
    "js.problem.time": ("er ikke et gyldig klokkeslett", "is not a valid time"),
    "js.problem.url": ("må være en nettadresse som begynner med https://", "must be a web address starting with https://"),
    "js.problem.url_long": ("må være en https-adresse på høyst {max} tegn", "must be an https address of at most {max} characters"),
    "js.problem.text": ("må være tekst", "must be text"),
    "js.problem.unicode": ("inneholder tegn som ikke kan lagres", "contains characters that cannot be stored"),
    "js.problem.control": ("inneholder kontrolltegn; bare tekst, linjeskift og tabulator er lov",
                           "contains control characters; only text, line breaks and tabs are allowed"),
    "js.problem.list": ("må være en liste", "must be a list"),
    "js.problem.min_items": ("trenger minst {min}", "needs at least {min}"),
    "js.problem.max_items": ("har for mange; høyst {max}", "has too many; at most {max}"),
    "js.problem.object": ("er ikke fylt ut riktig", "is not filled in correctly"),
    "js.problem.unknown_field": ("hører ikke til skjemaet", "does not belong to the form"),
    "js.problem.rule.adaptation_question._asks_something": ("Still minst ett spørsmål.", "Ask at least one question."),
    "js.problem.rule.meeting_invitation._where": ("Oppgi sted eller videolenke (eller begge).", "Give a place or a video link (or both)."),
    "js.problem.rule.meeting_change._where": ("Oppgi sted eller videolenke (eller begge).", "Give a place or a video link (or both)."),
    "js.problem.rule.follow_up_plan._contribution": (
        "Si om den sykmeldte har bidratt, og hvis ikke, hvorfor.", "Say whether the employee contributed, and if not, why."),
    "js.problem.rule.nav_request._unique": ("Samme kategori er valgt to ganger.", "The same category is chosen twice."),
    "js.problem.rule.nav_request_answer._answers_something": ("Fyll inn minst ett felt.", "Fill in at least one field."),
    "js.api.CONSENT_REQUIRED": ("Det mangler samtykke for en del av meldingen.", "Consent is missing for part of the message."),
    "js.api.EMPLOYER_MAY_NOT_ASK": ("En arbeidsgiver kan ikke be om dette.", "An employer may not ask for this."),
    "js.api.IDEMPOTENCY_IN_PROGRESS": ("Den samme handlingen er allerede på vei. Vent litt og se etter.",
                                       "The same action is already on its way. Wait a moment and look again."),
    "js.api.IDEMPOTENCY_KEY_REUSED": ("Skjemaet er endret siden det ble sendt. Last siden på nytt og prøv igjen.",
                                      "The form changed since it was sent. Reload the page and try again."),
    "js.api.UNAVAILABLE": ("Tjenesten er kort utilgjengelig; ingenting ble lagret. Prøv igjen om litt.",
                           "The service is briefly unavailable; nothing was saved. Try again in a moment."),
    "js.api.CSRF_FAILED": ("Siden er for gammel. Last den på nytt og prøv igjen.", "The page is out of date. Reload it and try again."),
    "js.api.INVALID_INPUT": ("Noe i skjemaet er ikke gyldig. Sjekk feltene og prøv igjen.",
                             "Something in the form is not valid. Check the fields and try again."),
    "js.api.CONFLICT": ("Det er allerede gjort (for eksempel er personen allerede med i saken).",
                        "That is already done (for instance, the person already takes part in the case)."),
    "js.api.ALREADY_ANSWERED": ("Forespørselen er allerede besvart.", "The request is already answered."),
    "js.api.NOT_A_PARTICIPANT": ("Det er ikke ditt å gjøre i denne saken.", "That is not yours to do in this case."),
    "js.api.MESSAGE_RECALLED": ("Meldingen er trukket tilbake av avsenderen.", "The sender recalled the message."),
    "js.api.INVALID_CONSENT": ("Samtykket kan ikke gis slik. Sjekk hvem, hva og hvor lenge, og prøv igjen.",
                               "The consent cannot be given like that. Check who, what and how long, and try again."),
    "js.api.other": ("Tjeneren avviste forespørselen (kode {code}).", "{message}"),
    # --- sessions (issue 10) ------------------------------------------------------------------
    "session.signed_out": ("Du er logget ut.", "You are signed out."),
    "session.ended": ("Du er logget ut: innloggingen ble avsluttet eller var for gammel. Logg inn igjen.",
                      "You are signed out: your sign-in was ended or had run out. Sign in again."),
    "session.shared": ("Dette er en delt datamaskin", "This is a shared computer"),
    "session.shared_hint": (
        "Kryss av hvis andre også bruker denne maskinen, for eksempel på et legekontor eller et NAV-kontor. "
        "Da slettes nøklene dine fra denne nettleseren når du logger ut, og neste gang henter du dem med "
        "passordfrasen din.",
        "Tick this if others use this computer too, for example at a GP's office or a NAV office. Your keys "
        "are then deleted from this browser when you sign out, and next time you fetch them with your "
        "passphrase.",
    ),
    "session.shared_on": (
        "Du er logget inn på en delt datamaskin. Nøklene dine slettes fra denne nettleseren når du logger ut.",
        "You are signed in on a shared computer. Your keys are deleted from this browser when you sign out.",
    ),
    "session.everywhere.title": ("Logg ut på alle enheter", "Sign out on all devices"),
    "session.everywhere.lead": (
        "Avslutter alle innlogginger du har i samband, også på andre maskiner og telefoner. Bruk dette hvis du "
        "har glemt å logge ut et sted.",
        "Ends every sign-in you have in samband, on other computers and phones too. Use this if you forgot to "
        "sign out somewhere.",
    ),
    "session.everywhere.submit": ("Logg ut på alle enheter", "Sign out on all devices"),
    # --- roles -------------------------------------------------------------------------------------
    "role.employee": ("sykmeldt", "employee"),
    "role.nearest_manager": ("nærmeste leder", "nearest manager"),
    "role.hr": ("HR", "HR"),
    "role.union_representative": ("tillitsvalgt", "union representative"),
    "role.gp": ("fastlege", "GP"),
    "role.locum": ("vikarlege", "locum"),
    "role.specialist": ("spesialist", "specialist"),
    "role.psychologist": ("psykolog", "psychologist"),
    "role.physiotherapist": ("fysioterapeut", "physiotherapist"),
    "role.nav_adviser": ("veileder i NAV", "NAV adviser"),
    "role.ia_contact": ("IA-rådgiver i NAV", "NAV IA contact"),
    "role.bht_physician": ("bedriftslege", "company physician"),
    "role.bht_nurse": ("bedriftssykepleier", "company nurse"),
    "role.coordinator": ("koordinator", "coordinator"),
    "case_role.employee": ("den sykmeldte", "the employee"),
    "case_role.nearest_manager": ("nærmeste leder", "nearest manager"),
    "case_role.gp": ("fastlege", "GP"),
    "case_role.coordinator": ("koordinator", "coordinator"),
    "case_role.nav_adviser": ("veileder i NAV", "NAV adviser"),
    "case_role.treating_clinician": ("behandler", "treating clinician"),
    "case_role.hr": ("HR", "HR"),
    "case_role.union_representative": ("tillitsvalgt", "union representative"),
    "case_role.bht": ("bedriftshelsetjenesten", "company health service"),
    # --- choices in message forms (field.value) -------------------------------------------------------
    "choice.questions.what_can_they_do": ("Hva kan personen gjøre?", "What can the person do?"),
    "choice.questions.what_can_we_adapt": ("Hva kan vi tilrettelegge?", "What can we adapt?"),
    "choice.questions.medically_justifiable": ("Er det medisinsk forsvarlig?", "Is it medically justifiable?"),
    "choice.questions.starting_grade": ("Hvilken sykmeldingsgrad bør vi starte med?", "Which grade should we start with?"),
    "choice.medically_justifiable.yes": ("Ja", "Yes"),
    "choice.medically_justifiable.yes_with_restrictions": ("Ja, med begrensninger", "Yes, with restrictions"),
    "choice.medically_justifiable.no": ("Nei", "No"),
    "choice.request_type.additional_information": ("Tilleggsopplysninger", "Additional information"),
    "choice.request_type.medical_certificate": ("Legeerklæring", "Medical certificate"),
    "choice.meeting_type.dialogue_meeting_1": ("Dialogmøte 1", "Dialogue meeting 1"),
    "choice.meeting_type.dialogue_meeting_2": ("Dialogmøte 2", "Dialogue meeting 2"),
    "choice.meeting_type.dialogue_meeting_3": ("Dialogmøte 3", "Dialogue meeting 3"),
    "choice.meeting_type.other_meeting": ("Annet møte", "Other meeting"),
    "choice.answer.coming": ("Jeg kommer", "I am coming"),
    "choice.answer.new_time_wanted": ("Jeg ønsker et nytt tidspunkt", "I want a new time"),
    "choice.answer.cannot_come": ("Jeg kan ikke komme", "I cannot come"),
    "choice.party.employee": ("Den sykmeldte", "The employee"),
    "choice.party.employer": ("Arbeidsgiver", "Employer"),
    "choice.party.gp": ("Fastlege", "GP"),
    "choice.party.specialist": ("Spesialist", "Specialist"),
    "choice.party.nav": ("NAV", "NAV"),
    "choice.party.bht": ("Bedriftshelsetjenesten", "Company health service"),
    "choice.party.union_representative": ("Tillitsvalgt", "Union representative"),
    "choice.party.coordinator": ("Koordinator", "Coordinator"),
    "choice.party.other": ("Annen", "Other"),
    # --- who takes part, exclusions, milestones (issue 9) ---------------------------------------
    "people.title": ("Bestem hvem som er med", "Decide who takes part"),
    "people.lead": (
        "Du kan ta noen ut av saken, eller stenge noen ute for godt. Før noe skjer, får du se hva det betyr.",
        "You can take someone out of your case, or keep someone out for good. Before anything happens, you see "
        "what it means.",
    ),
    "people.in_case": ("Med i saken nå", "In your case now"),
    "people.nobody_in_case": ("Ingen andre enn deg er med i saken.", "Nobody but you takes part in your case."),
    "people.others": ("Andre som har en rolle for deg, men ikke er med", "Others who have a role for you but do not take part"),
    "people.remove": ("Ta {name} ut av saken", "Take {name} out of the case"),
    "people.exclude": ("Steng ute {name}", "Exclude {name}"),
    "people.org_label": ("Steng ute alle ved en virksomhet (du kan gjøre unntak)",
                         "Exclude everyone at an organisation (you can make exceptions)"),
    "people.org_next": ("Gå videre", "Continue"),
    "people.excluded": ("Stengt ute", "Excluded"),
    "people.none_excluded": ("Du har ikke stengt noen ute.", "You have not excluded anyone."),
    "people.since": ("siden {date}", "since {date}"),
    "people.lift": ("Opphev utestengingen av {who}", "Lift the exclusion of {who}"),
    "people.everyone_at": ("alle ved {org}", "everyone at {org}"),
    "people.everyone_at_except": ("{everyone}, unntatt {names}", "{everyone}, except {names}"),
    "people.attempts": ("Forsøk på å legge til noen du har stengt ute", "Attempts to add someone you excluded"),
    "people.attempt": (
        "{actor} prøvde å legge til {recipient} i saken din. Det ble stoppet fordi du har stengt {recipient} ute. "
        "{actor} fikk ikke vite hvorfor.",
        "{actor} tried to add {recipient} to your case. It was stopped because you excluded {recipient}. "
        "{actor} was not told why.",
    ),
    "people.done.excluded": ("{who} er nå stengt ute.", "{who} is now excluded."),
    "people.done.ended": ("Disse er tatt ut av saken: {names}.", "Taken out of your case: {names}."),
    "people.done.lifted": ("Utestengingen av {who} er opphevet.", "The exclusion of {who} is lifted."),
    "people.done.removed": ("{name} er tatt ut av saken.", "{name} has been taken out of your case."),
    "confirm.what_happens": ("Dette skjer hvis du går videre:", "This is what happens if you go on:"),
    "confirm.exclude.title": ("Steng ute {name}?", "Exclude {name}?"),
    "confirm.exclude.out": (
        "{name} tas ut av saken din med en gang, og ser ikke lenger saken, samtalene eller meldingene i den.",
        "{name} is taken out of your case at once, and no longer sees the case, its conversations or its messages.",
    ),
    "confirm.exclude.not_in": ("{name} er ikke med i saken din, og kan ikke legges til.",
                               "{name} is not in your case, and cannot be added."),
    "confirm.exclude.never": (
        "Ingen kan legge {name} til i saken, og ingen samtykke gjelder for {name} så lenge utestengingen står. "
        "Den som prøver, får ikke vite hvorfor; du får se forsøket her.",
        "Nobody can add {name} to your case, and no consent counts for {name} while the exclusion stands. "
        "Whoever tries is not told why; you see the attempt here.",
    ),
    "confirm.exclude.lift": (
        "Du kan oppheve utestengingen senere. {name} kommer da ikke tilbake av seg selv; noen i saken må legge "
        "{name} til på nytt.",
        "You can lift the exclusion later. {name} does not come back by itself; someone in the case must add "
        "{name} again.",
    ),
    "confirm.exclude.submit": ("Ja, steng ute {name}", "Yes, exclude {name}"),
    "confirm.exclude_org.title": ("Steng ute alle ved {org}?", "Exclude everyone at {org}?"),
    "confirm.exclude_org.out": (
        "Alle ved {org} som er med i saken din, tas ut med en gang — unntatt dem du krysser av nedenfor.",
        "Everyone at {org} who takes part in your case is taken out at once — except those you tick below.",
    ),
    "confirm.exclude_org.never": (
        "Ingen ved {org} kan legges til i saken, og ingen samtykke gjelder for dem, så lenge utestengingen står. "
        "Det gjelder også dem som begynner der senere.",
        "Nobody at {org} can be added to your case, and no consent counts for them, while the exclusion stands. "
        "That includes people who start there later.",
    ),
    "confirm.exclude_org.lift": ("Du kan oppheve utestengingen senere; ingen kommer da tilbake av seg selv.",
                                 "You can lift the exclusion later; nobody comes back by themselves."),
    "confirm.exclude_org.except": ("Unntatt (disse kan fortsatt være med)", "Except (these may still take part)"),
    "confirm.exclude_org.nobody": ("Ingen du kjenner der, kan unntas.", "Nobody you know there can be excepted."),
    "confirm.exclude_org.submit": ("Ja, steng ute alle ved {org}", "Yes, exclude everyone at {org}"),
    "confirm.lift.title": ("Oppheve utestengingen av {who}?", "Lift the exclusion of {who}?"),
    "confirm.lift.consent": (
        "Samtykker du har gitt eller gir, kan igjen gjelde for {who}.",
        "Consents you have given or give can again count for {who}.",
    ),
    "confirm.lift.not_back": (
        "{who} blir ikke lagt til i saken av seg selv, men noen i saken kan legge dem til igjen.",
        "{who} is not added to your case by itself, but someone in the case can add them again.",
    ),
    "confirm.lift.submit": ("Ja, opphev utestengingen", "Yes, lift the exclusion"),
    "confirm.remove.title": ("Ta {name} ut av saken?", "Take {name} out of your case?"),
    "confirm.remove.out": (
        "{name} ser ikke lenger saken din, samtalene eller meldingene i den, fra nå.",
        "From now on, {name} no longer sees your case, its conversations or its messages.",
    ),
    "confirm.remove.again": (
        "Noen i saken kan legge {name} til igjen senere. Vil du at {name} aldri skal være med, steng {name} ute i stedet.",
        "Someone in the case can add {name} again later. If {name} must never take part, exclude {name} instead.",
    ),
    "confirm.remove.submit": ("Ja, ta {name} ut av saken", "Yes, take {name} out"),
    "confirm.remove.exclude": ("Steng ute {name} i stedet", "Exclude {name} instead"),
    "search.err.cannot_add": (
        "{name} kan ikke legges til i denne saken. Personer legges til etter hvilken rolle de har for den "
        "sykmeldte, og den sykmeldte bestemmer hvem som er med.",
        "{name} cannot be added to this case. People are added by their role for the employee, and the "
        "employee decides who takes part.",
    ),
    "tag.case:participant:refused": (
        "{actor} prøvde å legge til {recipient} i saken din, men du har stengt {recipient} ute",
        "{actor} tried to add {recipient} to your case, but you have excluded {recipient}",
    ),
    "milestones.title": ("Frister", "Deadlines"),
    "milestones.now": ("Denne uka og forsinket", "This week and overdue"),
    "milestones.nothing_now": ("Ingen frister denne uka.", "Nothing due this week."),
    "milestones.all": ("Hele tidslinjen", "The whole timeline"),
    "milestones.line": ("{what}: {state}, frist {date}", "{what}: {state}, due {date}"),
    "milestones.next": ("Neste i saken: {what}, {date} ({state})", "Next in the case: {what}, {date} ({state})"),
    # --- NAV's request and summons (issue 9) -------------------------------------------------------------
    "nav_act.reference": ("NAVs referanse (valgfritt)", "NAV's reference (optional)"),
    "nav_act.reference_help": (
        "Referansen, hvem du spør og hva du ber om, blir registrert som NAVs forespørsel etter folketrygdloven § 21-4. "
        "Selve spørsmålet krypteres og kan ikke leses av tjeneren.",
        "The reference, whom you ask and what you ask for are registered as NAV's request under folketrygdloven "
        "§ 21-4. The question itself is encrypted and the server cannot read it."),
    "nav_act.summons_help": (
        "Innkaller NAV til dialogmøte 2 eller 3, er grunnlaget folketrygdloven § 8-7a, ikke samtykke. "
        "Tjeneren får vite hvilket møte det er og hvem som kalles inn, ikke resten av innkallingen.",
        "When NAV calls dialogue meeting 2 or 3, the basis is folketrygdloven § 8-7a, not consent. "
        "The server learns which meeting it is and who is called, not the rest of the invitation."),
    "tag.statutory:nav-summons:created": ("{actor} i NAV kalte inn til dialogmøte", "{actor} at NAV called a dialogue meeting"),
    "js.basis_missing_title": ("Loven kan gi grunnlag", "The law may give a basis"),
    "js.basis_missing_lead": (
        "Her trengs ikke samtykke fra den sykmeldte. Loven gir grunnlag når NAV har bedt om opplysningene.",
        "No consent from the employee is needed here. The law gives a basis once NAV has asked for the information."),
    "js.statutory.await_nav_request": (
        "{law} gir grunnlag for å gi NAV dette når NAV har bedt om det, men NAV har ikke (ennå) bedt deg om det. "
        "Svar bare på det NAV har spurt om, eller vent på en ny forespørsel.",
        "{law} gives a basis for giving NAV this once NAV has asked for it, but NAV has not asked you for it (yet). "
        "Answer only what NAV asked about, or wait for a new request."),
    "js.statutory.send_nav_request": (
        "{law} lar NAV be om dette: send en forespørsel fra NAV.",
        "{law} lets NAV ask for this: send a NAV request (Forespørsel fra NAV)."),
    "js.statutory.send_link": ("Send en forespørsel fra NAV", "Send a NAV request (Forespørsel fra NAV)"),
    "js.nav_no_addressee": (
        "Ingen i samtalen er helsepersonell. NAVs forespørsel går til fastlegen, psykologen eller annen behandler.",
        "Nobody in this conversation is health personnel. NAV's request goes to the GP, the psychologist or another clinician."),
    # --- reading is never cross-site (issue 10) -------------------------------------------------------
    "js.api.NOT_SAME_ORIGIN": (
        "Meldingen kan bare åpnes fra samband. Last siden på nytt og prøv igjen.",
        "The message can only be opened from samband. Reload the page and try again."),
    # --- the case's life: its end, read-only, retention, the download (issue 11) -----------------------
    "tag.case:case:ended": ("{actor} avsluttet saken din", "{actor} ended your case"),
    "tag.case:content:purged": ("Innholdet i meldingene i saken din ble slettet etter oppbevaringstiden",
                                "The content of the messages in your case was deleted after the retention period"),
    "endreason.back_at_work": ("tilbake i arbeid", "back at work"),
    "endreason.benefit_ended_52_weeks": ("sykepengene er brukt opp (52 uker)", "sickness benefit ended (52 weeks)"),
    "endreason.new_employer": ("ny arbeidsgiver", "new employer"),
    "endreason.other": ("annen grunn", "other reason"),
    "caselife.closed": ("Saken ble avsluttet {date}: {reason}.", "The case ended on {date}: {reason}."),
    "caselife.read_only": ("Saken kan leses, men ingen kan sende meldinger, starte samtaler, legge til personer eller endre noe i den.",
                           "The case can be read, but nobody can send messages, start conversations, add people or change anything in it."),
    "caselife.purge_on": ("Innholdet i meldingene slettes {date}. Loggen over hvem som har sett hva, blir værende.",
                          "The content of the messages will be deleted on {date}. The log of who saw what stays."),
    "caselife.purge_soon": ("Snart slettes innholdet i meldingene i saken din: {date}. Last ned alt om deg før det.",
                            "The content of the messages in your case will soon be deleted: {date}. Download everything about you before then."),
    "caselife.purged": ("Innholdet i meldingene ble slettet {date}. Loggen over hvem som har sett hva, er der fortsatt.",
                        "The content of the messages was deleted on {date}. The log of who saw what is still there."),
    "caselife.you_control": ("Du kan fortsatt lese alt og trekke tilbake samtykker.", "You can still read everything and withdraw consents."),
    "caselife.end_title": ("Avslutt saken", "End the case"),
    "caselife.end_lead": ("Når saken er avsluttet, kan ingen sende eller endre noe i den. Alle kan fortsatt lese. Innholdet slettes {days} dager etter sluttdatoen.",
                          "Once the case has ended nobody can send or change anything in it. Everyone can still read it. The content is deleted {days} days after the end date."),
    "caselife.end_reason": ("Hvorfor avsluttes saken?", "Why does the case end?"),
    "caselife.end_date": ("Siste dag i saken", "Last day of the case"),
    "caselife.end_submit": ("Avslutt saken", "End the case"),
    "caselife.ended_flash": ("Saken er avsluttet. Den kan nå bare leses.", "The case has ended. It can now only be read."),
    "caselife.err.date": ("Skriv sluttdatoen som dag, måned og år, for eksempel 2026-12-03.",
                          "Write the end date as a date, for example 2026-12-03."),
    "caselife.no_compose": ("Saken er avsluttet, så det kan ikke sendes nye meldinger her.",
                            "The case has ended, so no new messages can be sent here."),
    "caselife.download_title": ("Last ned alt om meg", "Download everything about me"),
    "caselife.download_lead": ("Du får én fil med meldingene dine, åpnet her i nettleseren din med nøklene dine, pluss loggen over hvem som har sett hva og samtykkene dine. Ingenting av innholdet sendes til oss.",
                               "You get one file with your messages, opened here in your browser with your keys, plus the log of who saw what and your consents. None of the content is sent to us."),
    "caselife.download_button": ("Last ned alt om meg", "Download everything about me"),
    "js.export.working": ("Henter og åpner meldingene dine … {done} av {total}", "Fetching and opening your messages … {done} of {total}"),
    "js.export.log": ("Henter loggen din …", "Fetching your log …"),
    "js.export.done": ("Ferdig: filen er lastet ned ({messages} meldinger, {entries} logglinjer).",
                       "Done: the file is downloaded ({messages} messages, {entries} log entries)."),
    "js.export.failed": ("Nedlastingen stoppet: {message}", "The download stopped: {message}"),
    "js.export.no_keys": ("Denne nettleseren har ikke nøklene dine, så meldingene kan ikke åpnes her. Loggen og samtykkene kommer likevel med.",
                          "This browser does not have your keys, so the messages cannot be opened here. The log and the consents are included anyway."),
    "js.api.CASE_CLOSED": ("Saken er avsluttet og kan bare leses. Ingen kan sende eller endre noe i den.",
                           "The case has ended and can only be read. Nobody can send or change anything in it."),
    "js.api.MAY_NOT_END_CASE": ("Du kan ikke avslutte saken av denne grunnen. NAV avslutter saker; arbeidsgiveren bare når den ansatte er tilbake i arbeid.",
                                "You cannot end the case for this reason. NAV ends cases; the employer only when the employee is back at work."),
    "js.api.CONTENT_PURGED": ("Innholdet i meldingen er slettet etter oppbevaringstiden.", "The content of the message was deleted after the retention period."),
    # --- the coordinator and deadlines (issue 11) -----------------------------------------------------
    "nav.coordinator": ("Koordinator", "Coordinator"),
    "coord.title": ("Koordinator", "Coordinator"),
    "coord.now": ("Koordinator nå: {name}", "Coordinator now: {name}"),
    "coord.none": ("Saken har ingen koordinator.", "The case has no coordinator."),
    "coord.view.agreed": ("den sykmeldte er enig", "the employee agrees"),
    "coord.view.objected": ("den sykmeldte er ikke enig", "the employee does not agree"),
    "coord.view.not_asked": ("den sykmeldte er ikke spurt", "the employee was not asked"),
    "coord.appoint": ("Gi saken en koordinator", "Appoint a coordinator"),
    "coord.hand_over": ("Gi koordineringen videre", "Hand over the coordination"),
    "coord.end": ("Avslutt koordineringen", "End the coordination"),
    "coord.end_what": (
        "Saken står da uten koordinator. Koordinatoren går ut av saken om vedkommende ikke har en annen rolle i den.",
        "The case is then without a coordinator. The coordinator leaves the case unless they have another part in it."),
    "coord.who": ("Hvem skal koordinere?", "Who is to coordinate?"),
    "coord.agreed": ("Er den sykmeldte enig?", "Does the employee agree?"),
    "coord.agreed_hint": (
        "Den sykmeldtes ønsker veier tungt. Ønskene sine skriver den sykmeldte selv i en melding i saken.",
        "The employee's wishes weigh heavily. What they wish, they write themselves in a message in the case."),
    "coord.agreed.yes": ("Ja, den sykmeldte er enig", "Yes, the employee agrees"),
    "coord.agreed.no": ("Nei, den sykmeldte er ikke enig", "No, the employee does not agree"),
    "coord.agreed.not_asked": ("Ikke spurt ennå", "Not asked yet"),
    "coord.history": ("Tidligere koordinatorer", "Coordinators before"),
    "coord.history_line": ("{name}, valgt av {by} {start}.", "{name}, appointed by {by} on {start}."),
    "coord.history_end.handed_over": ("Ga det videre {end}.", "Handed over on {end}."),
    "coord.history_end.ended": ("Sluttet {end}.", "Ended on {end}."),
    "coord.flash.appointed": ("{name} er nå koordinator i saken.", "{name} now coordinates the case."),
    "coord.flash.handed_over": ("{name} har tatt over koordineringen.", "{name} has taken over the coordination."),
    "coord.flash.ended": ("Saken har ikke lenger koordinator.", "The case no longer has a coordinator."),
    "coord.flash.agreed": ("Vi har notert at du er enig.", "We have noted that you agree."),
    "coord.flash.objected": (
        "Vi har notert at du ikke er enig. Alle i saken ser det, og NAV avgjør.",
        "We have noted that you do not agree. Everyone in the case sees it, and NAV decides."),
    "coord.err.choose": ("Velg hvem som skal koordinere.", "Choose who is to coordinate."),
    "coord.err.answer": ("Velg om du er enig eller ikke.", "Choose whether you agree or not."),
    "coord.err.NOT_AN_APPOINTER": (
        "Bare NAV-veilederen eller fastlegen i saken kan velge koordinator. Koordinatoren kan gi det videre.",
        "Only the case's NAV adviser or GP can appoint a coordinator. The coordinator can hand over."),
    "coord.err.CANNOT_COORDINATE": (
        "Denne personen kan ikke være koordinator i saken.", "This person cannot coordinate the case."),
    "coord.err.HAS_COORDINATOR": (
        "Saken har alt en koordinator. Gi koordineringen videre i stedet.",
        "The case already has a coordinator. Hand over the coordination instead."),
    "coord.err.NO_COORDINATOR": ("Saken har ingen koordinator.", "The case has no coordinator."),
    "coord.err.ALREADY_COORDINATOR": ("Denne personen er alt koordinator.", "This person coordinates already."),
    "coord.overview.title": ("Sakene du koordinerer", "The cases you coordinate"),
    "coord.overview.lead": (
        "Hva som haster, hva som kommer, og hvem som ikke har svart.",
        "What is urgent, what comes next, and who has not answered."),
    "coord.overview.none": ("Du koordinerer ingen saker nå.", "You coordinate no cases now."),
    "coord.overview.meta": ("Sykmeldt fra {date}, {grade} %", "On sick leave since {date}, {grade} %"),
    "coord.overview.due": ("Frister", "Deadlines"),
    "coord.overview.nothing_due": ("Ingen frister som venter.", "No deadlines waiting."),
    "coord.overview.waiting": ("Har ikke svart", "Has not answered"),
    "coord.overview.nobody_waiting": ("Alle har svart.", "Everyone has answered."),
    "coord.overview.open_case": ("Åpne saken", "Open the case"),
    "coord.waiting.nav_request": (
        "{name} har ikke svart på NAVs forespørsel fra {since}. Svarfrist: {due}.",
        "{name} has not answered NAV's request of {since}. Answer by: {due}."),
    "coord.waiting.unread": (
        "{name} har {n} ulest(e) melding(er), den eldste fra {since}.",
        "{name} has {n} unread message(s), the oldest from {since}."),
    "coord.waiting.consent_request": (
        "{name} har {n} spørsmål om samtykke som ikke er besvart, det eldste fra {since}.",
        "{name} has {n} request(s) for consent not answered, the oldest from {since}."),
    "coord.portal.title": ("Koordinatoren din", "Your coordinator"),
    "coord.portal.now": ("{name} er koordinatoren din.", "{name} is your coordinator."),
    "coord.portal.what": (
        "Koordinatoren holder oversikten og kaller inn til møter, og får bare vite det du har sagt ja til.",
        "Your coordinator keeps the overview and calls meetings. They only learn what you have said yes to."),
    "coord.portal.none": ("Du har ingen koordinator.", "You have no coordinator."),
    "coord.portal.view.agreed": ("Du har sagt at du er enig.", "You have said that you agree."),
    "coord.portal.view.objected": ("Du har sagt at du ikke er enig.", "You have said that you do not agree."),
    "coord.portal.view.not_asked": ("Du er ikke spurt ennå.", "You have not been asked yet."),
    "coord.portal.ask": ("Er du enig i valget av koordinator?", "Do you agree with the choice of coordinator?"),
    "coord.portal.agree": ("Ja, jeg er enig", "Yes, I agree"),
    "coord.portal.object": ("Nei, jeg er ikke enig", "No, I do not agree"),
    "coord.portal.wishes": (
        "Vil du si hva du ønsker deg? Skriv en melding til NAV i saken: bare dere kan lese den.",
        "Do you want to say what you wish for? Write a message to NAV in the case: only you can read it."),
    "coord.portal.send": ("Send svaret", "Send the answer"),
    "tag.case:coordinator:appointed": ("{actor} gjorde {recipient} til koordinator i saken din",
                                       "{actor} made {recipient} coordinator in your case"),
    "tag.case:coordinator:handed-over": ("{actor} ga koordineringen i saken din videre til {recipient}",
                                         "{actor} handed the coordination of your case over to {recipient}"),
    "tag.case:coordinator:ended": ("{actor} avsluttet {recipient} sin koordinering av saken din",
                                   "{actor} ended {recipient}'s coordination of your case"),
    "tag.case:coordinator:employee-view": ("Du svarte om du er enig i valget av {recipient} som koordinator",
                                           "You answered whether you agree with {recipient} as coordinator"),
    "deadline.answer_nav_request": ("Svar på forespørselen fra NAV", "Answer NAV's request"),
    "deadline.answer_consent_request": ("Svar på spørsmålet om samtykke", "Answer the request for consent"),
    "deadline.renew_or_let_consent_expire": (
        "Et samtykke du har gitt, går ut: gi et nytt, eller la det gå ut",
        "A consent you gave runs out: give a new one, or let it run out"),
    "deadline.milestone": ("Frist i saken: {what}", "Deadline in the case: {what}"),
    "deadline.answer_meeting": ("Svar på innkallingen til møtet", "Answer the invitation to the meeting"),
    "deadline.do_meeting_task": ("Gjør oppgaven fra møtereferatet", "Do the task from the meeting minutes"),

    # --- follow-up plan versions (issue 11) -------------------------------------------------------
    "plan.latest": ("Siste oppfølgingsplan", "Latest follow-up plan"),
    "plan.versions": ("Versjoner av oppfølgingsplanen", "Versions of the follow-up plan"),
    "plan.versions_lead": (
        "Planen skrives av deg og arbeidsgiveren sammen. Hver ny versjon får et nummer; den siste gjelder.",
        "The plan is written by the employee and the employer together. Each new version gets a number; the latest applies."),
    "plan.no_versions": ("Ingen versjoner ennå. Skriv den første nedenfor.", "No versions yet. Write the first one below."),
    "plan.col.version": ("Versjon", "Version"),
    "plan.col.author": ("Skrevet av", "Written by"),
    "plan.col.date": ("Dato", "Date"),
    "plan.col.evaluation": ("Evalueres", "Evaluated on"),
    "plan.col.ack": ("Bekreftet av arbeidstakeren", "Acknowledged by the employee"),
    "plan.version_n": ("Versjon {n}", "Version {n}"),
    "plan.version_latest": ("Versjon {n} (siste)", "Version {n} (latest)"),
    "plan.acked": ("Ja, {date}", "Yes, {date}"),
    "plan.not_acked": ("Ikke ennå", "Not yet"),
    "plan.evaluated": ("evaluert {date}", "evaluated {date}"),
    "plan.show": ("Vis versjon {n}", "Show version {n}"),
    "plan.print": ("Skriv ut / lagre som PDF", "Print / save as PDF"),
    "plan.print_view": ("Utskrift av siste versjon", "Print view of the latest version"),
    "plan.share_title": ("Send planen videre", "Send the plan on"),
    "plan.share_lead": (
        "Arbeidsgiveren sender planen til den som sykmeldte, og til NAV når NAV ber om den (arbeidsmiljøloven § 4-6).",
        "The employer sends the plan to whoever wrote the sick note, and to NAV when NAV asks (Working Environment Act § 4-6)."),
    "plan.share_to": ("Send versjon {n} til {name}", "Send version {n} to {name}"),
    "plan.shared_copy": ("Kopi av versjon {n} av oppfølgingsplanen", "Copy of version {n} of the follow-up plan"),
    "plan.shared_lead": (
        "Her sendes oppfølgingsplanen videre. Arbeidstakeren ser alt som sendes.",
        "The follow-up plan is sent on here. The employee sees everything that is sent."),
    "inbox.topic.follow_up_plan_shared": ("Oppfølgingsplan sendt videre", "Follow-up plan sent on"),
    "js.plan_share_loading": ("Henter planen som skal sendes videre …", "Fetching the plan to send on …"),
    "js.plan_share_ready": ("Skjemaet er fylt ut fra versjonen. Se over og send.",
                            "The form is filled in from the version. Check it and send."),
    # --- meetings (issue 11) ------------------------------------------------------------------
    "meetings.title": ("Møter i denne samtalen", "Meetings in this conversation"),
    "meetings.state.invited": ("Innkalt", "Invited"),
    "meetings.state.changed": ("Nytt tidspunkt eller sted", "New time or place"),
    "meetings.state.cancelled": ("Avlyst", "Cancelled"),
    "meetings.state.held": ("Holdt — referatet er sendt", "Held — the minutes are sent"),
    "meetings.changes": ("Endret {n} gang(er)", "Changed {n} time(s)"),
    "meetings.called_by": ("Kalt inn av {name}", "Called by {name}"),
    "meetings.when_pending": ("Tid og sted vises når meldingen er åpnet.", "Time and place show once the message is open."),
    "meetings.who": ("Hvem kommer", "Who is coming"),
    "meetings.answer.none": ("Har ikke svart", "Has not answered"),
    "meetings.answer.coming": ("Kommer", "Coming"),
    "meetings.answer.new_time_wanted": ("Ønsker nytt tidspunkt", "Wants another time"),
    "meetings.answer.cannot_come": ("Kan ikke komme", "Cannot come"),
    "meetings.your_answer": ("Ditt svar", "Your answer"),
    "meetings.change": ("Endre tid eller sted", "Change time or place"),
    "meetings.cancel": ("Avlys møtet", "Cancel the meeting"),
    "meetings.minutes": ("Skriv referat", "Write the minutes"),
    "meetings.ics": ("Last ned kalenderfil (.ics)", "Download calendar file (.ics)"),
    "meetings.tasks": ("Oppgaver fra referatet", "Tasks from the minutes"),
    "meetings.task_line": ("{name}, frist {due}", "{name}, due {due}"),
    "meetings.task_line_nodue": ("{name}, uten frist", "{name}, no due date"),
    "meetings.task_done": ("gjort", "done"),
    "meetings.task_open": ("ikke gjort", "not done"),
    "meetings.for_meeting": ("Gjelder møtet", "For the meeting"),
    "meetings.owners": ("Hvem har oppgaven", "Who owns the task"),
    "meetings.owner_n": ("Ansvarlig for oppgave {n}", "Owner of task {n}"),
    "meetings.owner_help": ("Oppgaven vises på siden til den som har den, til den er gjort.",
                            "The task shows on its owner's page until it is done."),
    "tasks.title": ("Dine oppgaver", "Your tasks"),
    "tasks.lead": ("Oppgaver du har fått i referat fra møter. Selve oppgaven står i referatet.",
                   "Tasks given to you in meeting minutes. The task itself is in the minutes."),
    "tasks.line": ("{meeting} — frist {due}", "{meeting} — due {due}"),
    "tasks.line_nodue": ("{meeting} — uten frist", "{meeting} — no due date"),
    "tasks.open_minutes": ("Les referatet", "Read the minutes"),
    "tasks.done": ("Marker som gjort", "Mark as done"),
    "tasks.done_label": ("Marker som gjort: oppgaven fra {meeting}", "Mark as done: the task from {meeting}"),
    "flash.task_done": ("Oppgaven er markert som gjort.", "The task is marked as done."),
    "js.meeting_when": ("{time}, {place}", "{time}, {place}"),
    "js.meeting_not_open": ("Åpne innkallingen først: tid og sted står i den krypterte meldingen.",
                            "Open the invitation first: time and place are in the encrypted message."),
    "js.meeting_task_owner": ("Velg hvem som har oppgave {n}.", "Choose who owns task {n}."),
    # --- attachments (issue 11) ---------------------------------------------------------------------
    "compose.attach.title": ("Vedlegg", "Attachments"),
    "compose.attach.lead": ("PDF, PNG eller JPEG, høyst 25 MB per fil. Filen krypteres i nettleseren din, og bare de som "
                            "kan lese delen den hører til, kan åpne den.",
                            "PDF, PNG or JPEG, at most 25 MB per file. The file is encrypted in your browser, and only "
                            "those who may read the part it belongs to can open it."),
    "compose.attach.label": ("Legg ved fil: {category}", "Attach a file: {category}"),
    "compose.attach.label_note": ("Legg ved fil", "Attach a file"),
    "js.attach_type": ("«{name}» kan ikke legges ved: bare PDF, PNG og JPEG er lov.",
                       "“{name}” cannot be attached: only PDF, PNG and JPEG are allowed."),
    "js.attach_size": ("«{name}» er for stor: en fil kan være høyst 25 MB.", "“{name}” is too large: a file may be at most 25 MB."),
    "js.attach_empty": ("«{name}» er tom.", "“{name}” is empty."),
    "js.attach_progress": ("Krypterer og laster opp «{name}» … {percent} %", "Encrypting and uploading “{name}” … {percent} %"),
    "js.attachments": ("Vedlegg", "Attachments"),
    "js.attach_download": ("Last ned {name} ({size})", "Download {name} ({size})"),
    "js.attach_downloading": ("Henter og dekrypterer «{name}» … {percent} %", "Fetching and decrypting “{name}” … {percent} %"),
    "js.attach_done": ("«{name}» er lastet ned.", "“{name}” is downloaded."),
    "js.attach_altered": ("«{name}» kunne ikke åpnes: filen er endret eller ufullstendig.",
                          "“{name}” could not be opened: the file was altered or is incomplete."),
    "js.attach_gone": ("Vedlegget finnes ikke lenger for deg.", "The attachment is no longer there for you."),
}

ROLE_GRANTABLE = ("nearest_manager", "gp", "nav_adviser", "coordinator", "treating_clinician", "hr",
                  "union_representative", "bht")  # fmt: skip


class Translator:
    """``t(key, **values)`` and the formatting helpers, in one language."""

    def __init__(self, lang: str = DEFAULT_LANG):
        self.lang = lang if lang in LANGS else DEFAULT_LANG
        self._i = LANGS.index(self.lang)

    def __call__(self, key: str, **values: object) -> str:
        pair = STRINGS.get(key)
        if pair is None:
            return key  # visible, so a missing string is noticed, never a crash
        text = pair[self._i]
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        return key in STRINGS

    # --- labels from the domain ----------------------------------------------------------

    def category(self, code: str | None) -> str:
        try:
            return CATEGORY_LABELS[Category(code)][self._i]
        except ValueError:
            return str(code)

    def purpose(self, code: str | None) -> str:
        try:
            return PURPOSE_LABELS[Purpose(code)][self._i]
        except ValueError:
            return str(code)

    def role(self, code: str | None) -> str:
        return self(f"role.{code}") if f"role.{code}" in STRINGS else str(code)

    def case_role(self, code: str | None) -> str:
        return self(f"case_role.{code}") if f"case_role.{code}" in STRINGS else self.role(code)

    def choice(self, field: str, value: object) -> str:
        key = f"choice.{field}.{value}"
        if key in STRINGS:
            return self(key)
        try:  # lists of categories (a note's category, NAV's requested categories)
            return self.category(str(Category(str(value))))
        except ValueError:
            return str(value)

    def title(self, item: dict | object) -> str:
        """An object's or dict's ``title_nb`` / ``title_en``."""
        name = f"title_{self.lang}"
        return item.get(name, "") if isinstance(item, dict) else getattr(item, name, "")

    # --- dates and times ------------------------------------------------------------------

    def date(self, value: date | datetime | None) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            value = value.astimezone(ZONE).date() if value.tzinfo else value.date()
        month = MONTHS[self.lang][value.month - 1]
        return f"{value.day}. {month} {value.year}" if self.lang == "nb" else f"{value.day} {month} {value.year}"

    def datetime(self, value: datetime | None) -> str:
        if value is None:
            return ""
        local = value.astimezone(ZONE) if value.tzinfo else value
        clock = local.strftime("%H:%M")
        return f"{self.date(local)} kl. {clock}" if self.lang == "nb" else f"{self.date(local)}, {clock}"

    def js_strings(self) -> dict[str, str]:
        """What page scripts need: their own strings and the category and choice labels."""
        out = {k.removeprefix("js."): v[self._i] for k, v in STRINGS.items() if k.startswith("js.")}
        out.update({f"category.{c.value}": CATEGORY_LABELS[c][self._i] for c in Category})
        out.update({k: v[self._i] for k, v in STRINGS.items() if k.startswith(("choice.", "role."))})
        return out
