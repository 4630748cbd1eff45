"""Sample notes and kits from the bundled corpus, to show what the exports look like:

    .venv/bin/python -m briefs.samples            # → data/artefacts/samples/ (or a folder given)

Two dossiers (child marriage, excision) are built in a sample store beside the exports,
then each gives a note détaillée, a note courte, a letter and a workshop kit, in PDF and
DOCX (and the kit also in PPTX and Markdown). Export times per format are printed and
written to `timings.md`. The advocate's text below is example text; every quote comes
from the corpus.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from briefs.compose import compose_dossier_brief, compose_dossier_kit, dossier_references, explanation_field, resolve
from briefs.dossiers import DossierStore
from briefs.notes import render_note
from briefs.references import Library
from briefs.writers import export
from musoya.settings import ROOT, Settings, get_settings

CHILD_MARRIAGE = {
    "name": "Mariage d’enfants",
    "slug": "mariage-enfants",
    "articles": [
        ("mali-code-penal-2024", "327-12", "Le Code pénal ne vise que les unions avec une personne de moins de "
                                           "seize ans : les filles de 16 et 17 ans ne sont pas protégées par ce texte."),
        ("mali-code-penal-2024", "327-11", "À citer lorsque la jeune fille n’a pas consenti, quel que soit son âge."),
        ("mali-code-penal-2024", "325-4", ""),
        ("un-cedef-1979", "16", "Le paragraphe 2 prive d’effet juridique les fiançailles et les mariages d’enfants."),
        ("un-cde-1989", "1", "Pour la CDE, l’enfance dure jusqu’à dix-huit ans."),
        ("un-convention-supplementaire-esclavage-1956", "2", ""),
        ("ua-charte-africaine-droits-homme-peuples-1981", "18", ""),
    ],
    "note": {
        "titre": "Mariage d’enfants : aligner le droit malien sur les engagements du Mali",
        "destinataire": "Madame la Ministre de la Promotion de la Femme, de l’Enfant et de la Famille",
        "auteur": "Exemple d’organisation membre du réseau",
        "resume": "Le Code pénal de 2024 punit le mariage d'enfant, mais seulement en dessous de seize ans. "
                  "Les conventions ratifiées par le Mali considèrent comme enfant toute personne de moins de "
                  "dix-huit ans et privent d'effet juridique le mariage d'enfants. Nous demandons que la loi "
                  "protège toutes les filles jusqu'à dix-huit ans.",
        "contexte": "Dans les cercles où nous intervenons, des filles de 15, 16 et 17 ans sont encore données en "
                    "mariage, souvent par une convention entre familles et sans célébration officielle.\n\n"
                    "(Exemple de texte : remplacez-le par vos chiffres et vos cas documentés.)",
        "recommandations": "- Fixer à dix-huit ans l'âge minimum du mariage, pour les filles comme pour les garçons\n"
                           "- Étendre l'article 327-12 du Code pénal aux unions avec une personne de moins de dix-huit ans\n"
                           "- Former les officiers d'état civil et les ministres du culte à refuser ces unions\n"
                           "- Rendre obligatoire l'enregistrement de tous les mariages",
    },
    "letter": {
        "destinataire": "Monsieur le Ministre de la Justice et des Droits de l’Homme, Garde des Sceaux",
        "objet": "Protection des filles de 16 et 17 ans contre le mariage d’enfants",
        "appel": "Monsieur le Ministre,",
        "corps": "Notre organisation accompagne chaque année des familles confrontées au mariage de filles "
                 "mineures. Le Code pénal de 2024 a fait un pas important en punissant le mariage d'enfant ; "
                 "il laisse cependant sans protection les filles de seize et dix-sept ans.",
        "recommandations": "Porter à dix-huit ans le seuil de l'article 327-12 du Code pénal\n"
                           "Recevoir notre délégation pour présenter les cas que nous avons documentés",
        "formule": "Nous vous prions d’agréer, Monsieur le Ministre, l’expression de notre haute considération.",
        "signataire": "La présidente de l’association",
    },
    "kit": {
        "titre": "Le mariage des enfants : ce que dit la loi",
        "public": "animatrices communautaires, une demi-journée",
        "objectifs": "Savoir à partir de quel âge la loi malienne punit le mariage d'un enfant\n"
                     "Distinguer mariage d'enfant et mariage forcé\n"
                     "Connaître les engagements internationaux du Mali sur l'âge du mariage\n"
                     "Savoir qui peut être poursuivi : celui qui célèbre, celui qui force, celui qui facilite",
        "etude_de_cas": "Awa a quinze ans. Son père a promis sa main à un commerçant du village voisin ; "
                        "la cérémonie doit avoir lieu après la récolte, sans passer par la mairie. Awa veut "
                        "continuer l'école. Sa tante vient demander conseil à l'animatrice.",
        "questions": "Le mariage d'Awa est-il puni par la loi, même sans passage à la mairie ?\n"
                     "Qui pourrait être poursuivi ?\n"
                     "Que changerait la situation si Awa avait dix-sept ans ?\n"
                     "Vers qui la tante peut-elle se tourner ?",
        "explanations": {
            ("mali-code-penal-2024", "327-12"): "Marier une personne de moins de seize ans est interdit, même "
                "sans mairie ni mosquée, et même par un simple accord entre familles. Celui qui célèbre, force "
                "ou facilite ce mariage risque cinq ans de prison et une amende d'un million de francs.",
            ("mali-code-penal-2024", "327-11"): "Marier quelqu'un qui n'a pas donné son libre accord est un "
                "mariage forcé, puni lui aussi, quel que soit l'âge de la personne.",
            ("un-cde-1989", "1"): "Pour la Convention relative aux droits de l'enfant, on est un enfant "
                "jusqu'à dix-huit ans.",
            ("un-cedef-1979", "16"): "Les femmes ont les mêmes droits que les hommes dans le mariage, dont "
                "celui de choisir leur conjoint ; les fiançailles et mariages d'enfants n'ont pas d'effet "
                "juridique.",
            ("un-convention-supplementaire-esclavage-1956", "2"): "Les États doivent fixer un âge minimum pour "
                "se marier, permettre aux futurs époux de dire librement leur accord et faire enregistrer les "
                "mariages.",
        },
    },
}

EXCISION = {
    "name": "Excision et pratiques néfastes",
    "slug": "excision",
    "articles": [
        ("mali-code-penal-2024", "321-22", "Le Code pénal ne nomme pas l’excision : cet article vise, de façon "
                                           "générale, les pratiques qui causent une maladie ou une incapacité."),
        ("mali-code-penal-2024", "321-23", "Peines plus lourdes quand l’auteur est un parent ou a la garde de la victime."),
        ("mali-constitution-2023", "2", ""),
        ("un-cedef-1979", "2", ""),
        ("un-cedef-1979", "5", ""),
        ("un-cde-1989", "24", "Le paragraphe 3 vise l’abolition des pratiques traditionnelles préjudiciables à la santé des enfants."),
        ("un-cde-1989", "19", ""),
        ("ua-charte-africaine-droits-homme-peuples-1981", "4", ""),
    ],
    "note": {
        "titre": "Excision : nommer la pratique dans la loi",
        "destinataire": "Mesdames et Messieurs les membres du Conseil national de Transition",
        "auteur": "Exemple d’organisation membre du réseau",
        "resume": "Aucun texte malien du corpus n'interdit expressément l'excision. Le Code pénal de 2024 punit "
                  "seulement les pratiques qui ont causé une maladie ou une incapacité. Les conventions "
                  "ratifiées par le Mali demandent d'abolir les pratiques traditionnelles préjudiciables à la "
                  "santé. Nous demandons une loi qui nomme et interdit l'excision.",
        "contexte": "(Exemple de texte : décrivez ici la situation dans votre zone, les cas suivis et les "
                    "données des enquêtes nationales que vous citez, avec leur source.)",
        "recommandations": "- Adopter une loi qui nomme et interdit l'excision, sans exiger de dommage constaté\n"
                           "- Prévoir la protection des filles menacées et l'accompagnement des victimes\n"
                           "- Associer les exciseuses, les leaders religieux et les agents de santé à l'abandon de la pratique",
    },
    "letter": {
        "destinataire": "Madame la Ministre de la Santé et du Développement social",
        "objet": "Abandon de l’excision et protection des filles",
        "appel": "Madame la Ministre,",
        "corps": "Nos animatrices rencontrent chaque semaine des mères qui souhaitent protéger leurs filles de "
                 "l'excision, mais qui ne trouvent dans la loi aucun texte qui nomme cette pratique.",
        "recommandations": "Soutenir un projet de loi qui interdit expressément l'excision\n"
                           "Former les agents de santé à la prise en charge des complications",
        "formule": "Nous vous prions d’agréer, Madame la Ministre, l’expression de notre haute considération.",
        "signataire": "La coordinatrice du programme",
    },
    "kit": {
        "titre": "L’excision et la loi",
        "public": "relais communautaires, une journée",
        "objectifs": "Savoir ce que disent la loi malienne et les conventions sur les pratiques néfastes\n"
                     "Comprendre pourquoi l'absence d'infraction d'excision pose problème\n"
                     "Savoir orienter une mère qui veut protéger sa fille",
        "etude_de_cas": "Mariam veut protéger sa fille de six ans ; sa belle-mère a prévu de la faire exciser "
                        "pendant les vacances, chez une exciseuse du quartier. Mariam demande ce que dit la loi.",
        "questions": "Quels textes Mariam peut-elle invoquer ?\n"
                     "Que dit le Code pénal si l'enfant tombe malade après l'excision ?\n"
                     "Pourquoi la peine est-elle plus lourde quand l'auteur est un parent ?\n"
                     "Quels engagements internationaux du Mali vont plus loin que la loi nationale ?",
        "explanations": {
            ("mali-code-penal-2024", "321-22"): "Faire subir à quelqu'un une pratique qui le rend malade ou "
                "l'empêche de travailler est puni, même si la personne était d'accord. Plus le dommage est grave, "
                "plus la peine est lourde.",
            ("mali-code-penal-2024", "321-23"): "Si c'est un parent, le conjoint ou la personne qui a la garde "
                "de la victime qui agit, les peines sont plus lourdes.",
            ("un-cde-1989", "24"): "L'État doit protéger la santé des enfants et prendre des mesures pour "
                "abolir les pratiques traditionnelles qui la mettent en danger.",
            ("un-cedef-1979", "5"): "L'État doit faire évoluer les coutumes fondées sur l'idée que les femmes "
                "valent moins que les hommes.",
            ("ua-charte-africaine-droits-homme-peuples-1981", "4"): "Chaque personne a droit au respect de sa "
                "vie et de son corps.",
        },
    },
}

SAMPLES = (CHILD_MARRIAGE, EXCISION)


def build(settings: Settings, out: Path) -> dict[str, list[float]]:
    """Writes every sample under `out`; returns the export times (seconds) per format."""
    out.mkdir(parents=True, exist_ok=True)
    store = DossierStore(path=out / "dossiers-exemples.sqlite")
    timings: dict[str, list[float]] = {}

    def write(doc, name: str, fmt: str) -> None:
        started = time.perf_counter()
        export(doc, out / f"{name}.{fmt}")
        timings.setdefault(fmt, []).append(time.perf_counter() - started)

    for sample in SAMPLES:
        name = sample["name"]
        if store.exists(name):
            store.delete(name)
        store.create(name)
        for instrument, key, note in sample["articles"]:
            store.add(name, instrument, key, note)
        kit_fields = {k: v for k, v in sample["kit"].items() if k != "explanations"}
        kit_fields.update({explanation_field(ref): text for ref, text in sample["kit"]["explanations"].items()})
        store.save_draft(name, "kit", "kit", kit_fields)
        explained = [(c, kit_fields.get(explanation_field(c), ""))
                     for c in resolve(Library(settings), dossier_references(store, name)).cited]
        # the note a saved kit publishes, written here rather than into the library's data/ajouts
        (out / f"note-{sample['slug']}.md").write_text(render_note(kit_fields["titre"], explained), encoding="utf-8")
        for template, fields in (("note-detaillee", sample["note"]), ("note-courte", sample["note"]),
                                 ("lettre", sample["letter"])):
            store.save_draft(name, "note", template, fields)
            doc = compose_dossier_brief(settings, name, store=store)
            for fmt in ("pdf", "docx"):
                write(doc, f"{sample['slug']}-{template}", fmt)
            if template == "note-detaillee":
                write(doc, f"{sample['slug']}-{template}", "md")
        kit, _ = compose_dossier_kit(settings, name, store=store, seed=1)
        for fmt in ("pdf", "docx", "pptx", "md"):
            write(kit, f"{sample['slug']}-kit", fmt)
        if kit.warnings:
            print("\n".join(kit.warnings), file=sys.stderr)
    return timings


def report(timings: dict[str, list[float]]) -> str:
    lines = ["| format | exports | médiane (ms) | max (ms) |", "|---|---:|---:|---:|"]
    for fmt, values in sorted(timings.items()):
        lines.append(f"| {fmt} | {len(values)} | {statistics.median(values) * 1000:.0f} | {max(values) * 1000:.0f} |")
    return "\n".join(lines)


def main() -> None:
    settings = get_settings()
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "data" / "artefacts" / "samples"
    timings = build(settings, out)
    table = report(timings)
    (out / "timings.md").write_text(f"Temps d’export (un processus, polices chargées à chaque PDF)\n\n{table}\n",
                                    encoding="utf-8")
    print(table)
    print(f"Exemples écrits dans {out}")


if __name__ == "__main__":
    main()
