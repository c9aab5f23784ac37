"""The fixed scripted lines the simulated reporters send: fictional reports for Contactpunt, Rasa's template lines for the baseline."""

from typing import List

#: Made up for the benchmark (no real people, no names): ordinary reports of unwanted behaviour between
#: students, without danger or self-harm, so the assistant takes its ordinary route (reflection, routes).
REPORTS: List[str] = [
    "een medestudent blijft me de hele dag berichtjes sturen terwijl ik heb gezegd dat hij moet stoppen",
    "een jongen uit mijn klas maakt steeds opmerkingen over mijn hoofddoek",
    "in de kantine lachen ze me uit om mijn accent en doen ze me na",
    "een groepje in de les noemt mij steeds dom als ik iets vraag",
    "iemand heeft een foto van mij in de klassenapp gezet met een gemene tekst erbij",
    "ze sluiten me buiten bij groepsopdrachten en praten achter mijn rug over me",
    "een medestudent pakt steeds mijn spullen af en gooit ze door het lokaal",
    "in de groepsapp van de opleiding worden nare grappen gemaakt over mijn geloof",
    "een klasgenoot roept steeds homo naar mij als ik door de gang loop",
    "sinds ik van opleiding ben gewisseld wordt er over mij geroddeld op sociale media",
    "een medestudent maakt opmerkingen over mijn lichaam als we samen in de werkplaats staan",
    "bij de stage zeggen twee andere stagiairs dat ik er niet bij hoor vanwege mijn huidskleur",
]

#: After the report: yes to the assistant's reflection, the reporter's role, a question about confidentiality.
FOLLOW_UP: List[str] = ["ja", "student", "wat gebeurt er met wat ik vertel?"]

#: The baseline (Rasa's template assistant): the greeting runs the custom action on the action server.
PLAIN_SCRIPT: List[str] = ["hello", "I am feeling sad", "yes", "bye"]


def our_script(number: int) -> List[str]:
    """Conversation `number`: one of the reports (in turn), then the three fixed follow-ups."""
    return [REPORTS[number % len(REPORTS)], *FOLLOW_UP]


def plain_script(number: int) -> List[str]:
    return list(PLAIN_SCRIPT)


SCRIPTS = {"ours": our_script, "plain": plain_script}
