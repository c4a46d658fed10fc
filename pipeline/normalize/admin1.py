"""GeoNames' numeric admin1 codes -> ISO 3166-2 subdivision suffixes, for the countries where they differ.

GeoNames numbers most countries' first-level divisions with its own (FIPS-derived) codes, so
"NL.07" is North Holland (ISO NL-NH). Countries whose GeoNames codes already are the ISO suffix
(US "OR", CH "ZH", GB "ENG", BE "VLG") need no row: gazetteer uses the code when ISO has it.
Each row was checked against the most populous GeoNames cities of that admin1 code; the tests check
that every code exists in pycountry's ISO 3166-2.
"""

from __future__ import annotations


def _rows(text: str) -> dict[str, str]:
    return dict(pair.split("=") for pair in text.split())


ADMIN1_ISO: dict[str, dict[str, str]] = {
    "NL": _rows("01=DR 02=FR 03=GE 04=GR 05=LI 06=NB 07=NH 09=UT 10=ZE 11=ZH 15=OV 16=FL"),
    "DE": _rows("01=BW 02=BY 03=HB 04=HH 05=HE 06=NI 07=NW 08=RP 09=SL 10=SH 11=BB 12=MV 13=SN 14=ST 15=TH 16=BE"),
    "FR": _rows("11=IDF 24=CVL 27=BFC 28=NOR 32=HDF 44=GES 52=PDL 53=BRE 75=NAQ 76=OCC 84=ARA 93=PAC 94=20R"),
    "ES": _rows("07=IB 27=RI 29=MD 31=MC 32=NC 34=AS 39=CB 51=AN 52=AR 53=CN 54=CM 55=CL 56=CT 57=EX 58=GA 59=PV 60=VC"),
    "IT": _rows(
        "01=65 02=77 03=78 04=72 05=45 06=36 07=62 08=42 09=25 10=57 11=67 12=21 13=75 14=88 15=82 16=52 17=32 18=55 19=23 20=34"
    ),
    "CA": _rows("01=AB 02=BC 03=MB 04=NB 05=NL 07=NS 08=ON 09=PE 10=QC 11=SK 12=YT 13=NT 14=NU"),
    "MX": _rows(
        "01=AGU 02=BCN 03=BCS 04=CAM 05=CHP 06=CHH 07=COA 08=COL 09=CMX 10=DUR 11=GUA 12=GRO 13=HID 14=JAL "
        "15=MEX 16=MIC 17=MOR 18=NAY 19=NLE 20=OAX 21=PUE 22=QUE 23=ROO 24=SLP 25=SIN 26=SON 27=TAB 28=TAM "
        "29=TLA 30=VER 31=YUC 32=ZAC"
    ),
    "BR": _rows(
        "01=AC 02=AL 03=AP 04=AM 05=BA 06=CE 07=DF 08=ES 11=MS 13=MA 14=MT 15=MG 16=PA 17=PB 18=PR 20=PI "
        "21=RJ 22=RN 23=RS 24=RO 25=RR 26=SC 27=SP 28=SE 29=GO 30=PE 31=TO"
    ),
    "AR": _rows(
        "01=B 02=K 03=H 04=U 05=X 06=W 07=C 08=E 09=P 10=Y 11=L 12=F 13=M 14=N 15=Q 16=R 17=A 18=J 19=D 20=Z 21=S 22=G 23=V 24=T"
    ),
    "CO": _rows(
        "01=AMA 02=ANT 03=ARA 04=ATL 08=CAQ 09=CAU 10=CES 11=CHO 12=COR 14=GUV 16=HUI 17=LAG 19=MET 20=NAR "
        "21=NSA 22=PUT 23=QUI 24=RIS 25=SAP 26=SAN 27=SUC 28=TOL 29=VAC 30=VAU 31=VID 32=CAS 33=CUN 34=DC "
        "35=BOL 36=BOY 37=CAL 38=MAG"
    ),
    "PE": _rows(
        "01=AMA 02=ANC 03=APU 04=ARE 05=AYA 06=CAJ 07=CAL 08=CUS 09=HUV 10=HUC 11=ICA 12=JUN 13=LAL 14=LAM "
        "15=LIM 16=LOR 17=MDD 18=MOQ 19=PAS 20=PIU 21=PUN 22=SAM 23=TAC 24=TUM 25=UCA"
    ),
    "AU": _rows("01=ACT 02=NSW 03=NT 04=QLD 05=SA 06=TAS 07=VIC 08=WA"),
    "IN": _rows(
        "01=AN 02=AP 03=AS 05=CH 07=DL 09=GJ 10=HR 11=HP 12=JK 13=KL 16=MH 17=MN 18=ML 19=KA 20=NL 21=OD "
        "22=PY 23=PB 24=RJ 25=TN 26=TR 28=WB 29=SK 30=AR 31=MZ 33=GA 34=BR 35=MP 36=UP 37=CG 38=JH 39=UK "
        "40=TS 41=LA 52=DH"
    ),
    "JP": _rows(
        "01=23 02=05 03=02 04=12 05=38 06=18 07=40 08=07 09=21 10=10 11=34 12=01 13=28 14=08 15=17 16=03 "
        "17=37 18=46 19=14 20=39 21=43 22=26 23=24 24=04 25=45 26=20 27=42 28=29 29=15 30=44 31=33 32=27 "
        "33=41 34=11 35=25 36=32 37=22 38=09 39=36 40=13 41=31 42=16 43=30 44=06 45=35 46=19 47=47"
    ),
    "ZA": _rows("02=KZN 03=FS 05=EC 06=GP 07=MP 08=NC 09=LP 10=NW 11=WC"),
    "EG": _rows(
        "01=DK 02=BA 03=BH 04=FYM 05=GH 06=ALX 07=IS 08=GZ 09=MNF 10=MN 11=C 12=KB 13=WAD 14=SHR 15=SUZ "
        "16=ASN 17=AST 18=BNS 19=PTS 20=DT 21=KFS 22=MT 23=KN 24=SHG 26=JS 27=SIN 28=LX"
    ),
}
