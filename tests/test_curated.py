"""The curated files (themes, cross-references, glossary) checked against the real corpus.

Every article a curator cites must exist, every theme must reach both Malian and
international law (or say why not), links must read correctly from both sides, and
questions told in plain words must find their theme.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
import yaml

from ingest.sources import catalogue, library, read
from ingest.analyzer import analyze
from ingest.markdown import fold
from ingest.themes import MINOR_AGE, ThemeTagger, _root, load_themes, split_ref
from musoya.settings import Settings
from search.crossrefs import RELATIONS, CrossRefs, load_crossrefs, suggest, validate
from search.expansion import QueryExpander
from search.missing import load_missing

THEMES = {
    "mariage-enfant": "Mariage d’enfant",
    "mariage-force": "Mariage forcé et consentement",
    "levirat": "Lévirat et sororat",
    "excision": "Excision et pratiques néfastes",
    "viol": "Viol et agressions sexuelles",
    "harcelement": "Harcèlement sexuel",
    "violences-conjugales": "Violences conjugales et familiales",
    "violences-economiques": "Violences économiques et abandon de famille",
    "traite": "Traite des personnes et exploitation",
    "esclavage": "Esclavage et pratiques analogues",
    "avortement": "Avortement et santé reproductive",
    "egalite": "Égalité et non-discrimination",
    "participation-politique": "Participation politique et fonctions publiques",
    "travail": "Travail et égalité de rémunération",
    "maternite": "Protection de la maternité",
    "education": "Éducation des filles",
    "droits-enfant": "Droits et protection de l’enfant",
    "plainte-victimes": "Porter plainte et droits des victimes",
    "recours-cedef": "Recours devant le Comité CEDEF",
    "famille-succession": "Famille, succession et biens",
}


@pytest.fixture(scope="module")
def real_settings(tmp_path_factory) -> Settings:
    """The bundled corpus and curated files, with an empty data folder of our own."""
    return Settings(data_dir=tmp_path_factory.mktemp("data"), _env_file=None)


@pytest.fixture(scope="module")
def themes(real_settings):
    return load_themes(real_settings.themes)


@pytest.fixture(scope="module")
def crossrefs(real_settings):
    return load_crossrefs(real_settings.crossrefs)


@pytest.fixture(scope="module")
def corpus(real_settings):
    units = {}
    for source in library(real_settings):
        _, articles = read(source)
        units.update({(a.instrument, a.key): a for a in articles})
    return units


@pytest.fixture(scope="module")
def malian(real_settings):
    return {i.id for i in catalogue(real_settings) if i.jurisdiction == "Mali"}


@pytest.fixture(scope="module")
def tagger(themes):
    return ThemeTagger(themes)


# --- The files themselves -------------------------------------------------------------

def test_themes_are_the_twenty_shared_ids_with_their_labels(themes):
    assert {t.id: t.label for t in themes} == THEMES


def test_every_cited_article_exists_in_the_corpus(themes, crossrefs, corpus):
    cited = [ref for t in themes for ref in t.article_refs()]
    cited += [ref for e in crossrefs.entries for ref in (e.national, e.international)]
    missing = [":".join(ref) for ref in cited if ref not in corpus]
    assert missing == []


def test_validate_finds_nothing_wrong_in_the_bundled_files(real_settings, themes, crossrefs):
    assert validate(real_settings, themes, crossrefs) == []


def test_each_theme_reaches_malian_and_international_law_or_says_why_not(themes, malian):
    for theme in themes:
        sides = {instrument in malian for instrument, _ in theme.article_refs()}
        assert False in sides, f"{theme.id} : aucun article international"
        assert True in sides or theme.missing, f"{theme.id} : aucun article malien et pas de « missing »"
        assert len(theme.articles) >= 8, f"{theme.id} : {len(theme.articles)} articles seulement"


def test_descriptions_are_short_and_every_theme_tells_situations(themes):
    for theme in themes:
        assert theme.description and 5 <= len(theme.situations) <= 10, theme.id
        too_long = [ref for ref, text in theme.articles.items() if len(text) > 200]
        assert too_long == [], theme.id


def test_family_code_absence_is_said_where_it_matters(themes):
    by_id = {t.id: t for t in themes}
    for theme_id in ("famille-succession", "mariage-enfant", "levirat"):
        assert "Code des personnes et de la famille" in by_id[theme_id].missing


def test_missing_texts_never_claim_a_question_the_corpus_answers(real_settings, themes):
    """Training questions and theme situations all have an answer in the corpus: none of
    them may be taken for a question about a text the corpus lacks."""
    import yaml

    missing = load_missing(real_settings.missing_texts)
    training = [pair for name in ("training.yaml", "coverage.yaml")
                for pair in yaml.safe_load((real_settings.corpus_dir / name).read_text(encoding="utf-8"))]
    answered = [pair["question"] for pair in training] + [s for t in themes for s in t.situations]
    claimed = [(q, [m.text_id for m in missing.match(q)]) for q in answered if missing.match(q)]
    assert claimed == []
    assert {i.id for i in catalogue(real_settings)}.isdisjoint(m.text_id for m in missing.subjects)
    bundled = [fold(t) for i in catalogue(real_settings) for t in (i.title, i.short_title, i.reference)]
    assert [(m.text_id, name) for m in missing.subjects for name in m.names if any(name in t for t in bundled)] == []


@pytest.mark.parametrize("question, text", [
    ("Après un divorce, jusqu'à quel âge les enfants restent-ils chez leur mère ?", "code-personnes-famille"),
    ("Il y a une erreur sur l'acte de naissance de mon fils, comment on le corrige ?", "code-personnes-famille"),
    ("Où se trouve le centre d'écoute pour les femmes battues à Gao ?", "renseignements-pratiques"),
    ("Combien coûte un certificat médical au CSCOM ?", "renseignements-pratiques"),
    ("Quelles recommandations le Comité a-t-il faites au Mali après son dernier examen ?", "observations-finales-cedef"),
    ("Mon patron m'a renvoyée, il devait me prévenir combien de temps avant ?", "code-travail"),
])
def test_a_question_on_a_practical_or_missing_subject_is_recognised(real_settings, question, text):
    assert text in [m.text_id for m in load_missing(real_settings.missing_texts).match(question)]


@pytest.mark.parametrize("question", [
    "Mon mari dit qu'il a le droit de corriger sa femme, est-ce un acte puni ?",  # « corriger » is not the civil registry
    "Le certificat médical dit 25 jours d'incapacité : combien de prison risque-t-il ?",  # the Code pénal counts the days
    "Quel est le numéro de l'article qui punit l'excision ?",
    "Combien de temps ai-je pour prévenir la police après un viol ?",  # prescription: Code de procédure pénale
    "Le professeur menace de la faire redoubler si elle refuse de coucher avec lui",  # harassment
    "On veut que je me remarie avec le frère de mon mari décédé, je suis veuve",  # lévirat
    "Une femme peut-elle être candidate aux élections législatives ?",  # CEDEF art. 7
])
def test_a_question_the_corpus_answers_is_not_taken_for_a_missing_subject(real_settings, question):
    assert load_missing(real_settings.missing_texts).match(question) == []


def test_links_use_known_relations_and_each_theme_has_three_unless_law_is_missing(themes, crossrefs, malian):
    assert all(e.relation in RELATIONS for e in crossrefs.entries)
    assert all(e.national[0] in malian and e.international[0] not in malian for e in crossrefs.entries)
    per_theme = Counter(e.theme for e in crossrefs.entries if e.reviewed)
    for theme in themes:
        if theme.id == "recours-cedef":  # no Malian text organises it: the theme says so
            assert per_theme[theme.id] == 0 and theme.missing
        else:
            assert per_theme[theme.id] >= 3, theme.id
    shortfalls = [e for e in crossrefs.entries if e.relation == "en deçà de"]
    assert shortfalls and all(e.note for e in shortfalls)


def test_no_vocabulary_entry_shrinks_to_a_word_everyone_uses(themes):
    """Stop words vanish in analysis: "plus avoir d’enfants" would match any "enfant"."""
    generic = {"enfant", "femm", "fill", "homm", "mar", "mari", "famill", "droit", "loi", "profit", "abus", "elev"}
    for theme in themes:
        for entry in theme.vocabulary:
            for part in entry.split(" + "):
                terms = [_root(t) for t in analyze(part)] if part != MINOR_AGE else [part]
                assert terms, f"{theme.id} : « {entry} » ne garde aucun mot"
                if " + " not in entry:
                    assert not (len(terms) == 1 and terms[0] in generic), f"{theme.id} : « {entry} » trop vague"


def test_every_bambara_word_of_the_glossary_is_quoted_in_its_source(real_settings):
    """A Bambara word's legal sense must come from an aligned Bambara–French line, quoted in `source`."""
    entries = yaml.safe_load(real_settings.glossary.read_text(encoding="utf-8"))
    bambara = [entry for entry in entries if entry.get("bambara")]
    assert len(bambara) >= 15
    for entry in bambara:
        source = entry.get("source", "")
        assert source.startswith("Bayelemabaga"), entry["bambara"]
        quoted = set(re.findall(r"[^\W\d_]+", source.lower()))
        for word in entry["bambara"]:
            assert word in quoted, f"« {word} » n’est pas dans sa source : {source}"


@pytest.fixture(scope="module")
def expander(real_settings):
    return QueryExpander(str(real_settings.glossary))


@pytest.mark.parametrize("question, terms", [
    ("Mon cɛ m'a bugɔ avec un câble", {"coups et blessures", "conjoint"}),
    ("le dugutigi dit que les den des jɔn n'iront pas au kalanso", {"chef de village", "esclavage", "éducation"}),
    ("Mon cɛ dit que ma part du ciyɛn doit lui revenir", {"succession", "mari"}),
    ("mon mari m a bugo et les dogotoro ont vu les traces", {"coups et blessures", "médecin"}),  # typed on a phone
    ("le cɛ ne donne rien pour les denw", {"enfants", "mari"}),  # Bambara plural
    ("ma dogomuso de 14 ans, son karamɔgɔ la touche", {"petite sœur", "enseignant"}),
])
def test_bambara_words_bring_the_law_words(expander, question, terms):
    added = set(expander.run(question)["added"])
    assert terms <= added


def test_a_french_question_gets_no_bambara_entry(expander):
    added = expander.run("Mon mari a frappé ma fille")["added"]
    assert "coups et blessures" in added and "chef de village" not in added and "conjoint" not in added


def test_a_refused_complaint_brings_the_police_duty_to_receive_it(expander):
    """Code de procédure pénale 30: the police must receive a complaint and give a receipt."""
    refused = expander.run("Le commissariat a refusé de prendre ma plainte contre mon mari")["added"]
    assert "recevoir les plaintes" in refused and "récépissé" in refused
    assert "recevoir les plaintes" not in expander.run("Où porter plainte quand on a été battue ?")["added"]


# --- Tagging and questions -------------------------------------------------------------

def test_tagger_tags_child_marriage_article(tagger, corpus):
    unit = corpus[("mali-code-penal-2024", "327-12")]
    assert "mariage-enfant" in tagger.tag(unit.instrument, unit.key, unit.hierarchy)
    assert "16 ans" in tagger.description("mali-code-penal-2024", "327-12")


def test_heading_tags_whole_words_only(tagger, corpus):
    rape = corpus[("mali-code-penal-2024", "325-3")]
    trespass = corpus[("mali-code-penal-2024", "322-1")]  # « De la violation de domicile »
    witness = corpus[("mali-code-procedure-penale-2024", "236")]  # listed nowhere, under a curated heading
    assert "viol" in tagger.tag(rape.instrument, rape.key, rape.hierarchy)
    assert "viol" not in tagger.tag(trespass.instrument, trespass.key, trespass.hierarchy)
    assert tagger.tag(witness.instrument, witness.key, witness.hierarchy) == ["plainte-victimes"]
    assert tagger.tag("un-dudh-1948", "27", ["Culture"]) == []


def test_description_joins_the_texts_of_every_theme_that_lists_an_article(tagger):
    text = tagger.description("mali-code-penal-2024", "324-16")
    assert "placement" in text and " ; " in text
    assert tagger.description("mali-code-penal-2024", "999-9") == ""


@pytest.mark.parametrize("question, theme", [
    ("mon oncle veut marier ma petite sœur de 14 ans", "mariage-enfant"),
    ("Mes parents m’obligent à me marier avec mon cousin", "mariage-force"),
    ("après la mort de mon mari sa famille veut que j’épouse son frère", "levirat"),
    ("On veut exciser ma fille pendant les vacances", "excision"),
    ("ma belle-mère parle de bolokoli pour la petite", "excision"),
    ("MON MARI ME FRAPPE", "violences-conjugales"),
    ("Ma voisine a ete violee", "viol"),
    ("mon patron me harcèle au bureau", "harcelement"),
    ("je suis payée moins que les hommes", "travail"),
    ("on m’a renvoyée parce que je suis enceinte", "maternite"),
    ("des trafiquants ont vendu des filles", "traite"),
    ("on me traite d’esclave au village", "esclavage"),
    ("comment porter plainte ?", "plainte-victimes"),
    ("comment saisir le Comité CEDEF", "recours-cedef"),
    ("mes frères ont pris tout l’héritage", "famille-succession"),
])
def test_plain_questions_find_their_theme(tagger, question, theme):
    assert theme in tagger.match_question(question)


@pytest.mark.parametrize("question", [
    "Quel temps fait-il à Gao ?",
    "Où se trouve la mairie de Kati ?",
    "Quel est le prix du mil à Ségou ?",
    "mon mari a 15 ans de plus que moi",
    "",
])
def test_unrelated_questions_find_no_theme(tagger, question):
    assert tagger.match_question(question) == []


# Plain questions written for these measures, not taken from any evaluation file.
# TUNING: its misses were read and vocabulary added for them, so its score flatters.
# HELD_OUT: never read for tuning; its score is the honest one. Keep it that way: to
# improve the vocabulary, write new tuning questions instead of looking at its misses.
TUNING = [
    ("mariage-enfant", "ma nièce a 13 ans et son père a déjà accepté un prétendant"),
    ("mariage-enfant", "est-ce légal de marier une adolescente ?"),
    ("mariage-force", "je ne veux pas de ce mari que ma famille m’impose"),
    ("mariage-force", "peut-on annuler un mariage fait sans le consentement de la femme ?"),
    ("levirat", "la famille de mon défunt mari veut me remarier à son neveu"),
    ("levirat", "que dit la loi sur le lévirat ?"),
    ("excision", "la grand-mère a emmené les fillettes chez l’exciseuse"),
    ("excision", "est-ce que l’excision est interdite au Mali ?"),
    ("viol", "un voisin a forcé ma fille à avoir des relations sexuelles"),
    ("viol", "quelle peine pour un homme qui a violé une enfant ?"),
    ("harcelement", "mon supérieur me fait des avances et me menace de licenciement"),
    ("harcelement", "que faire contre le harcèlement à l’université ?"),
    ("violences-conjugales", "mon époux me gifle et me donne des coups"),
    ("violences-conjugales", "que risque un homme qui bat sa femme ?"),
    ("violences-economiques", "mon ex-mari refuse de payer la pension des enfants"),
    ("violences-economiques", "mon mari prend tout mon salaire"),
    ("traite", "une agence promet du travail en Arabie saoudite aux jeunes filles"),
    ("traite", "des enfants sont obligés de mendier pour un homme qui prend l’argent"),
    ("esclavage", "les descendants d’esclaves sont exclus des réunions du village"),
    ("esclavage", "on empêche mon fils d’épouser une fille noble car nous sommes de statut esclave"),
    ("avortement", "l’interruption de grossesse est-elle permise après un inceste ?"),
    ("avortement", "mon mari interdit la planification familiale"),
    ("egalite", "la loi interdit-elle la discrimination contre les femmes ?"),
    ("egalite", "les femmes et les hommes sont-ils égaux devant la loi ?"),
    ("participation-politique", "combien de femmes doivent être sur les listes électorales ?"),
    ("participation-politique", "une femme peut-elle être élue maire ?"),
    ("travail", "mon employeur paie mieux les hommes pour le même poste"),
    ("travail", "refus d’embauche d’une femme mariée"),
    ("maternite", "combien dure le congé après l’accouchement ?"),
    ("maternite", "mon patron refuse les pauses pour allaiter"),
    ("education", "ma fille doit quitter l’école pour aider sa mère"),
    ("education", "l’enseignement est-il gratuit pour les filles ?"),
    ("droits-enfant", "un enfant est maltraité par ses tuteurs"),
    ("droits-enfant", "à quel âge un enfant peut-il travailler ?"),
    ("plainte-victimes", "où déposer plainte après des violences ?"),
    ("plainte-victimes", "une association peut-elle se constituer partie civile ?"),
    ("recours-cedef", "comment saisir le comité CEDEF après un jugement injuste ?"),
    ("recours-cedef", "que prévoit le protocole facultatif à la CEDEF ?"),
    ("famille-succession", "ma belle-famille a pris tous les biens de mon mari décédé"),
    ("famille-succession", "une fille peut-elle hériter de son père ?"),
]
UNRELATED_TUNING = [
    "Quel temps fait-il à Gao ?", "Où se trouve la mairie de Kati ?", "Quel est le prix du mil à Ségou ?",
    "comment réparer une moto en panne ?", "à quelle heure ouvre la banque ?", "recette du tô à la sauce gombo",
    "quand commence la saison des pluies ?", "combien coûte un billet de bus pour Mopti ?",
    "comment créer une association de producteurs de karité ?", "quel est le score du match des Aigles ?",
]

HELD_OUT = [
    ("mariage-enfant", "le chef de famille veut donner notre fille de 15 ans à un commerçant"),
    ("mariage-enfant", "que risque celui qui célèbre le mariage d’une fillette ?"),
    ("mariage-force", "ma cousine a été mariée contre sa volonté"),
    ("mariage-force", "peut-on refuser l’homme choisi par ses parents ?"),
    ("levirat", "une veuve est-elle obligée d’épouser le frère de son mari ?"),
    ("levirat", "après le décès de ma sœur, on veut que son mari m’épouse"),
    ("excision", "les mutilations génitales féminines sont-elles punies ?"),
    ("excision", "une fillette est morte après avoir été excisée"),
    ("viol", "mon beau-père a violé ma petite sœur"),
    ("viol", "une collégienne agressée sexuellement par son enseignant"),
    ("harcelement", "mon chef m’envoie des messages à caractère sexuel la nuit"),
    ("harcelement", "le directeur demande des faveurs sexuelles aux stagiaires"),
    ("violences-conjugales", "mon mari m’a blessée avec un couteau"),
    ("violences-conjugales", "les violences domestiques sont-elles punies au Mali ?"),
    ("violences-economiques", "mon mari m’empêche de travailler et garde mes revenus"),
    ("violences-economiques", "le père a abandonné ses enfants sans rien payer"),
    ("traite", "des jeunes filles recrutées comme domestiques puis exploitées"),
    ("traite", "un réseau fait passer des femmes en Europe pour la prostitution"),
    ("esclavage", "des familles sont encore considérées comme esclaves dans la région de Kayes"),
    ("esclavage", "on refuse d’enterrer un homme au cimetière parce qu’il est d’ascendance esclave"),
    ("avortement", "dans quels cas l’avortement est-il autorisé ?"),
    ("avortement", "une femme a-t-elle droit à la contraception sans l’accord de son mari ?"),
    ("egalite", "la discrimination à l’égard des femmes est-elle interdite par la Constitution ?"),
    ("egalite", "est-ce que la CEDEF protège contre les discriminations ?"),
    ("participation-politique", "les femmes peuvent-elles voter et se présenter aux élections ?"),
    ("participation-politique", "quel quota de femmes dans les fonctions électives ?"),
    ("travail", "à travail égal, salaire égal entre hommes et femmes ?"),
    ("travail", "mon employeur m’a licenciée parce que je suis une femme"),
    ("maternite", "ai-je droit à un congé de maternité payé ?"),
    ("maternite", "peut-on licencier une femme enceinte ?"),
    ("education", "les filles ont-elles le droit d’aller à l’école ?"),
    ("education", "mon oncle a retiré ma sœur du lycée"),
    ("droits-enfant", "un enfant de 10 ans travaille dans les champs toute la journée"),
    ("droits-enfant", "que faire pour un enfant en danger dans sa famille ?"),
    ("plainte-victimes", "la gendarmerie n’a pas voulu enregistrer ma déclaration"),
    ("plainte-victimes", "quels sont mes droits en tant que victime ?"),
    ("recours-cedef", "peut-on porter une affaire devant le Comité pour l’élimination de la discrimination à l’égard des femmes ?"),
    ("recours-cedef", "quelles conditions pour qu’une communication soit recevable par le Comité ?"),
    ("famille-succession", "comment se partage l’héritage entre garçons et filles ?"),
    ("famille-succession", "mon mari a pris une coépouse sans mon accord"),
]
UNRELATED_HELD_OUT = [
    "comment obtenir un passeport à Bamako ?", "quels sont les horaires de la pharmacie de garde ?",
    "où acheter des semences de coton ?", "comment inscrire mon fils au concours de l’ENA ?",
    "quel est le taux de change du franc CFA ?", "où regarder le match ce soir ?",
    "comment déclarer une naissance à la mairie ?", "le marché de Médine est-il ouvert dimanche ?",
    "combien de litres d’eau par jour pour les moutons ?", "comment ouvrir un compte Orange Money ?",
]


def _measure(tagger, questions):
    found = [(theme, tagger.match_question(q)) for theme, q in questions]
    hits = sum(theme in m for theme, m in found)
    return hits / len(found), hits / max(1, sum(len(m) for _, m in found))


def test_theme_matching_on_plain_questions(tagger, capsys):
    tuning, held_out = _measure(tagger, TUNING), _measure(tagger, HELD_OUT)
    with capsys.disabled():
        print(f"\nthèmes reconnus — questions d’ajustement : rappel {tuning[0]:.0%}, précision {tuning[1]:.0%} ; "
              f"questions réservées : rappel {held_out[0]:.0%}, précision {held_out[1]:.0%} ({len(HELD_OUT)} questions)")
    assert held_out[0] >= 0.7 and held_out[1] >= 0.75
    assert [q for q in UNRELATED_TUNING + UNRELATED_HELD_OUT if tagger.match_question(q)] == []


# --- Cross-references --------------------------------------------------------------

def test_related_reads_a_link_from_both_sides(crossrefs):
    national = crossrefs.related("mali-code-penal-2024", "327-12")
    assert any(link.ref == "un-cedef-1979:16" and link.relation == "met en œuvre" for link in national)
    assert any(link.ref == "un-cde-1989:1" and link.relation == "en deçà de" for link in national)
    treaty = crossrefs.related("un-cedef-1979", "16")
    assert any(link.ref == "mali-code-penal-2024:327-12" and link.relation == "mis en œuvre par" for link in treaty)
    child = crossrefs.related("un-cde-1989", "1")
    assert any(link.ref == "mali-code-penal-2024:327-12" and link.relation == "plus protecteur que" for link in child)
    assert crossrefs.related("un-dudh-1948", "27") == []


def test_gap_table_lists_shortfalls_first_and_says_what_law_is_missing(crossrefs, themes):
    table = crossrefs.gaps("mariage-enfant", themes)
    assert table.label == "Mariage d’enfant"
    assert table.rows[0].relation == "en deçà de" and table.shortfalls
    assert "Code des personnes et de la famille" in table.missing
    empty = crossrefs.gaps("recours-cedef", themes)
    assert empty.rows == [] and "Protocole facultatif" in empty.missing
    with pytest.raises(ValueError, match="thème inconnu"):
        crossrefs.gaps("météo", themes)


def test_validate_names_each_problem_in_french(real_settings, themes, tmp_path):
    path = tmp_path / "crossrefs.yaml"
    path.write_text(
        "- {national: mali-code-penal-2024:999-9, international: un-cedef-1979:16, relation: met en œuvre, theme: viol, note: x}\n"
        "- {national: un-cedef-1979:16, international: inconnu-1999:1, relation: contredit, theme: meteo}\n",
        encoding="utf-8")
    problems = validate(real_settings, themes, load_crossrefs(path))
    text = "\n".join(problems)
    assert "l’article « 999-9 » n’existe pas" in text
    assert "texte inconnu « inconnu-1999 »" in text
    assert "relation « contredit » inconnue" in text
    assert "thème inconnu « meteo »" in text
    assert "doit être un texte malien" in text


def test_suggestions_are_new_ranked_malian_to_international_pairs(real_settings, themes, crossrefs, malian):
    suggestions = suggest(real_settings, themes, crossrefs, limit=30)
    assert len(suggestions) == 30
    known = crossrefs.pairs()
    assert all((s.national, s.international) not in known for s in suggestions)
    assert all(split_ref(s.national)[0] in malian and split_ref(s.international)[0] not in malian for s in suggestions)
    scores = [s.score for s in suggestions]
    assert scores == sorted(scores, reverse=True) and scores[-1] > 0
    assert all(s.theme in THEMES and s.shared for s in suggestions)


def test_a_reviewed_pair_is_no_longer_suggested(real_settings, themes, crossrefs):
    first = suggest(real_settings, themes, crossrefs, limit=1)[0]
    extra = CrossRefs(crossrefs.entries + [type(crossrefs.entries[0])(
        split_ref(first.national), split_ref(first.international), "même objet", first.theme, "note", True)])
    assert all((s.national, s.international) != (first.national, first.international)
               for s in suggest(real_settings, themes, extra, limit=30))


# --- Malformed files ----------------------------------------------------------------

@pytest.mark.parametrize("content, message", [
    ("- id: viol\n  label: [ouvert\n", "n’est pas un YAML lisible"),
    ("id: viol\n", "doit contenir une liste de thèmes"),
    ("- label: Viol\n", "thème n° 1 : le champ « id » est obligatoire"),
    ("- id: viol\n  label: Viol\n- id: viol\n  label: Encore\n", "thème n° 2 : l’identifiant « viol » est en double"),
    ("- id: viol\n  label: Viol\n  articles:\n    327-12: x\n", "thème n° 1 (« viol ») : référence d’article invalide « 327-12 »"),
    ("- id: viol\n  label: Viol\n  vocabulaire: [x]\n", "champ inconnu « vocabulaire »"),
    ("- id: Viol Sexuel\n  label: Viol\n", "minuscules, chiffres et tirets"),
    ("- id: viol\n  label: Viol\n  situations: texte\n", "« situations » doit être une liste"),
])
def test_malformed_themes_file_gets_a_french_message(tmp_path, content, message):
    path = tmp_path / "themes.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(message)):
        load_themes(path)


@pytest.mark.parametrize("content, message", [
    ("- national: mali-code-penal-2024:327-12\n", "correspondance n° 1 : le champ « international » est obligatoire"),
    ("- {national: a:1, international: b:2, relation: même objet, theme: viol, reviewed: oui}\n", "« reviewed » doit valoir true ou false"),
    ("- {national: a, international: b:2, relation: même objet, theme: viol}\n", "référence d’article invalide « a »"),
    ("national: a:1\n", "doit contenir une liste de correspondances"),
])
def test_malformed_crossrefs_file_gets_a_french_message(tmp_path, content, message):
    path = tmp_path / "crossrefs.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(message)):
        load_crossrefs(path)


def test_missing_file_is_said_in_french(tmp_path):
    with pytest.raises(ValueError, match="introuvable"):
        load_themes(tmp_path / "absent.yaml")


# --- Figures for the record -------------------------------------------------------------

def test_coverage_figures(themes, crossrefs, tagger, corpus, capsys):
    """Articles and links per theme, printed with `pytest -s`; fails if coverage collapses."""
    links = Counter(e.theme for e in crossrefs.entries if e.reviewed)
    tagged = Counter(t for (i, k), unit in corpus.items() for t in tagger.tag(i, k, unit.hierarchy))
    listed = {ref for t in themes for ref in t.articles}
    with capsys.disabled():
        print(f"\n{'thème':24} {'listés':>6} {'étiquetés':>9} {'liens':>5}")
        for theme in themes:
            print(f"{theme.id:24} {len(theme.articles):6} {tagged[theme.id]:9} {links[theme.id]:5}")
        units = sum(1 for (i, k), u in corpus.items() if tagger.tag(i, k, u.hierarchy))
        print(f"articles listés (distincts) : {len(listed)} ; unités étiquetées : {units} ; liens vérifiés : {sum(links.values())}")
    assert len(listed) >= 200 and units >= 250 and sum(links.values()) >= 60
