"""The city's sentiment word lists for Catalan, Spanish and English.

Every word is written folded (lower case, no accents, ``l·l`` as ``ll``), as
:func:`finestra.sentiment.lexicon.fold` writes the words of a text. A word weighs 1
unless it is listed among the strong ones (2). Stems end in ``*`` and match any word
that starts with them.
"""

from typing import Final

from finestra.domain.vocabulary import Language

__all__ = ["INTENSIFIERS", "NEGATIVE", "NEGATORS", "POSITIVE", "STRONG", "TURNS"]


def _listed(words: str) -> frozenset[str]:
    return frozenset(words.split())


POSITIVE: Final[dict[Language, frozenset[str]]] = {
    Language.CA: _listed(
        """
        be bona bones bons bo gracies agrair* agraeixo agraim content contenta contents
        satisfet satisfeta satisfets satisfetes rapid rapida rapidament eficac eficient*
        amable amables atent atenta atents excellent* perfecte perfecta genial fantastic*
        magnific* meravell* estupend* correcte correcta util utils resolt resolta
        solucionat solucionada arreglat arreglada netes neta net millor millora millorat
        felic encantat encantada agradable agradables recomano bonic bonica clar
        clara ajut ajuda ajudat puntual facil senzill* comode comoda professional*
        encert encertat felicit* bravo enhorabona esplendid* impecable segur segura
        tranquil tranquilla acollidor* alegr* gaudir gaudim gaudeixo bonissim*
        precios preciosa gust plaer valent esforc cuidat cuidada endrecat
        exemplar diligent* contestat contestada respost resolutiu* respectuos* honest*
        positiu positiva
        """
    ),
    Language.ES: _listed(
        """
        bien buena buenas bueno buenos gracias agradec* agradezco contento contenta
        contentos satisfecho satisfecha satisfechos rapido rapida rapidamente eficaz
        eficient* amable amables atento atenta atentos excelente* perfecto perfecta genial
        fantastic* magnific* maravill* estupend* correcto correcta util utiles resuelto
        resuelta solucionado solucionada arreglado arreglada limpia limpio limpias mejor
        mejora mejorado feliz encantado encantada agradable agradables recomiendo bonito
        bonita ayuda ayudado ayudaron puntual facil sencill* comodo comoda
        profesional* acierto acertado felicit* bravo enhorabuena esplendid* impecable
        seguro segura tranquil* acogedor* alegr* disfrutar disfruto disfrutamos buenisim*
        precios* gusto placer contestado contestada respondido esfuerzo cuidado cuidada
        ordenado exemplar ejemplar
        diligent* resolutiv* respetuos* honest* positivo positiva
        """
    ),
    Language.EN: _listed(
        """
        good great thanks thank thankful grateful happy pleased satisfied quick quickly
        fast efficient* effective kind helpful attentive excellent perfect brilliant
        fantastic wonderful* superb awesome amazing correct useful resolved solved fixed
        repaired clean cleaner better improved improvement glad delighted pleasant
        recommend nice lovely clear help helped punctual easy simple comfortable
        professional* well bravo congratulat* splendid impeccable safe calm welcoming
        cheerful enjoy enjoyed enjoying best beautiful tidy exemplary diligent responsive
        respectful honest fair positive love loved appreciate* friendly prompt smooth
        reliable outstanding impressed answered replied responded
        """
    ),
}
"""Words that speak well of something."""

NEGATIVE: Final[dict[Language, frozenset[str]]] = {
    Language.CA: _listed(
        """
        malament mal mala dolent dolenta dolents horrible* terrible* fatal pessim*
        lent lenta lentitud tard tarda retard* brut bruta bruts brutes brutici* queixa
        queixo queixes problema problemes avaria* trencat trencada trencats espatll*
        perill* insegur* soroll* molest* enfadat enfadada indignat indignada vergonya
        vergonyos* desastre* caos abandonat abandonada descuidat deixadesa inutil
        incompetent* ningu ignor* oblidat oblidada perdut perduda pudor
        pudent rata rates plaga insuportable* inacceptable* decebut decebuda decepcio*
        frustra* cansat cansada fart farta tip tipa preocupat preocupada trist trista
        pitjor empitjor* lamentable* penos* deficient* mancat manca falta fosc fosca
        inundat* bloquejat* embus* fuita fuites esperant groller* maleducat*
        """
    ),
    Language.ES: _listed(
        """
        mal mala malo malos malas pesim* horrible* terrible* fatal lento lenta lentitud
        tarde retras* sucio sucia sucios sucias sucieda* queja quejas problema problemas
        averia* roto rota rotos rotas estropead* peligr* insegur* ruido* molest* enfadado
        enfadada indignado indignada verguenza vergonzos* desastre* caos abandonado
        abandonada descuidad* dejadez inutil incompetent* nadie ignor* olvidado
        olvidada perdido perdida caro peste apesta ratas plaga insoportable*
        inaceptable* decepcion* decepcionad* frustra* cansado cansada harto harta
        preocupado preocupada triste peor empeor* lamentable* penos* deficient* carece
        falta oscuro oscura inundad* bloquead* atasc* fuga fugas esperando grosero*
        maleducad* odio asco
        """
    ),
    Language.EN: _listed(
        """
        bad poor awful horrible terrible worst worse slow slowly late delay delayed dirty
        filthy complaint complain problem problems broken damaged dangerous unsafe noisy
        noise annoying annoyed angry furious outraged shame shameful disaster chaos
        abandoned neglected useless incompetent nobody ignored forgotten lost
        expensive stink stinks smell rats plague unbearable unacceptable disappointed
        disappointing disappointment frustrat* tired fed worried sad dreadful pathetic
        deficient lacking dark flooded blocked clogged leak leaking waiting queue rude
        hate disgusting mess failed failure fail rubbish nightmare ridiculous
        """
    ),
}
"""Words that speak ill of something."""

STRONG: Final = _listed(
    """
    excellent* perfecte perfecta perfecto excelente* perfect fantastic* fantastic genial
    magnific* meravell* maravill* wonderful* superb awesome amazing outstanding impecable
    impeccable horrible* horrible terrible* terrible pessim* pesim* worst fatal
    desastre* disaster vergonya verguenza shameful insuportable* insoportable* unbearable
    inacceptable* inaceptable* unacceptable asco odio hate disgusting nightmare
    """
)
"""Words that weigh 2 instead of 1."""

NEGATORS: Final = _listed(
    """
    no not ni never mai nunca cap sense sin without nor tampoc tampoco neither nada gens res
    poc poca poco hardly
    """
)
"""Words that turn the tone of the next few words; ``n't`` endings count too."""

INTENSIFIERS: Final = _listed(
    """
    molt molta molts moltes muy mucho mucha muchos muchas very really so extremely
    super tan tant bastant bastante quite totalment totalmente totally
    """
)
"""Words that make the next tone word weigh half as much again."""

TURNS: Final = _listed("pero but sino however malgrat aunque although")
"""Words after which the rest of a sentence weighs more (``good but slow``)."""
