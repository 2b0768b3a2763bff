"""Realistic Korean proposal texts built from the domain's vocabulary, deterministic for a given
``random.Random``. Used by the demo data (and by the search benchmark's generator): real proposers
write inconsistently, so particles, endings and spacing vary on purpose ("용적률을 완화하여",
"용적률 완화가 필요합니다", "용적률완화"). No text contains personal data."""

from __future__ import annotations

import random
from dataclasses import dataclass

SECTORS = ("construction_housing", "business_smallbiz", "admin_welfare", "transport_env_safety")
TYPES = ("economic", "excessive_standard", "citizen_inconvenience")


@dataclass(frozen=True)
class ProposalText:
    title: str
    current_regulation: str
    legal_basis: str | None
    problem: str
    proposed_change: str
    expected_effect: str
    # What the text is about: (subject, target, action) — lets a duplicate be rewritten.
    topic: tuple[str, str, str] = ("", "", "")


NAMED_EXAMPLES: tuple[tuple[str, str, str], ...] = (
    ("상업·준주거지역 내 비주거시설 비율 폐지 및 완화", "construction_housing", "economic"),
    ("입체공원 제도 도입", "construction_housing", "economic"),
    ("소규모 건축물 용적률 완화", "construction_housing", "economic"),
    (
        "가락·강서시장 임대 소상공인 보증금 납부 방식 개선 (현금→보증보험)",
        "business_smallbiz",
        "economic",
    ),
    ("공원 내 상행위 제한적 허용", "business_smallbiz", "economic"),
    ("전통시장 정비사업 허용 대상 확대", "business_smallbiz", "excessive_standard"),
    ("입간판 재료 규제 완화 (비철금속 → 금속 등)", "business_smallbiz", "excessive_standard"),
    ("돌봄SOS 서비스별 상한 기준 폐지", "admin_welfare", "excessive_standard"),
    (
        "매력일자리 중장년 참여자 연령 상한 폐지 (40~65세 → 40세 이상)",
        "admin_welfare",
        "excessive_standard",
    ),
    ("초등 긴급 일시돌봄 제공시설 선정 조건 폐지", "admin_welfare", "excessive_standard"),
    ("청년수당 해외 결제 예외적 허용", "admin_welfare", "citizen_inconvenience"),
    ("공공임대주택 주거 이동 기준 재정비", "admin_welfare", "citizen_inconvenience"),
    ("서울형 키즈카페 이용대상 확대", "admin_welfare", "citizen_inconvenience"),
    ("양재대로 자동차 전용도로 해제", "transport_env_safety", "excessive_standard"),
    ("차량진출입로 설치시설 요건 완화", "transport_env_safety", "excessive_standard"),
    (
        "마을버스 최대이용가능 시간 완화 (1시간 → 2시간)",
        "transport_env_safety",
        "citizen_inconvenience",
    ),
)

# Regulation subjects per sector, each with the figures a proposer might quote (before, after).
SUBJECTS: dict[str, list[tuple[str, tuple[str, str] | None]]] = {
    "construction_housing": [
        ("용적률", ("200%", "250%")),
        ("건폐율", ("50%", "60%")),
        ("주차장 설치 기준", None),
        ("공개공지 확보 의무", None),
        ("비주거시설 비율", ("20%", "10%")),
        ("입체공원 조성", None),
        ("소규모 재건축 사업성 기준", None),
        ("가로주택정비사업 면적 요건", ("1만㎡", "2만㎡")),
        ("지구단위계획 변경 절차", None),
        ("높이 제한", ("7층", "12층")),
        ("일조권 사선 제한", None),
        ("건축위원회 심의 대상", None),
        ("조경 면적 기준", None),
        ("리모델링 동의 요건", ("75%", "66%")),
        ("모아타운 대상지 요건", None),
        ("역세권 장기전세주택 용도지역 상향", None),
        ("공공기여 비율", ("15%", "10%")),
        ("층수 산정 기준", None),
        ("발코니 확장 기준", None),
        ("옥탑 설치 기준", None),
        ("건축물 외벽 마감재 기준", None),
        ("소규모 주택 부설주차장 기준", None),
        ("재개발 임대주택 의무 비율", ("20%", "15%")),
        ("정비구역 지정 요건", None),
        ("건축허가 사전 협의 절차", ("45일", "20일")),
        ("지하층 용도 제한", None),
    ],
    "business_smallbiz": [
        ("전통시장 정비사업", None),
        ("입간판 설치", None),
        ("옥외광고물 표시 기준", None),
        ("공원 내 상행위", None),
        ("임대 보증금 납부", None),
        ("푸드트럭 영업 장소", None),
        ("영업시간 제한", ("22시", "24시")),
        ("도매시장 중도매인 지정 요건", None),
        ("소상공인 정책자금 신청 서류", ("7종", "3종")),
        ("상점가 지정 요건", ("50개", "30개")),
        ("노점 운영 기준", None),
        ("창업 공간 입주 자격", None),
        ("공공판로 납품 절차", None),
        ("야외 테이블 설치", None),
        ("지역축제 판매 부스 참가 요건", None),
        ("점용허가 기간", ("1년", "3년")),
        ("공유주방 이용 기준", None),
        ("스타트업 실증 특례 절차", None),
        ("중소기업 인증 서류", None),
        ("골목상권 보조금 정산 기준", None),
        ("착한가격업소 지정 기준", None),
        ("시장 주차장 이용 시간", ("2시간", "4시간")),
        ("전통시장 화재공제 가입 요건", None),
        ("배달 오토바이 주정차", None),
        ("간판 조명 기준", None),
    ],
    "admin_welfare": [
        ("돌봄SOS 서비스 상한", None),
        ("청년수당 사용처", None),
        ("서울형 키즈카페 이용 대상", None),
        ("공공임대주택 주거 이동", None),
        ("어르신 일자리 참여 연령 상한", ("65세", "70세")),
        ("중장년 일자리 참여 연령", ("40~65세", "40세 이상")),
        ("주민등록 서류 제출", ("3부", "1부")),
        ("복지급여 신청 방문", None),
        ("긴급복지 지원 기간", ("3개월", "6개월")),
        ("초등 긴급 돌봄 시설 선정 조건", None),
        ("장애인 콜택시 이용 요건", None),
        ("보육료 지원 신청 절차", None),
        ("희망두배 청년통장 가입 요건", None),
        ("기초연금 신청 서류", None),
        ("공공시설 대관 신청", ("30일 전", "7일 전")),
        ("민원 처리 기간", ("14일", "7일")),
        ("자원봉사 시간 인정 기준", None),
        ("경로당 운영비 정산", None),
        ("출산지원금 신청 기한", ("60일", "1년")),
        ("공공도서관 회원 가입", None),
        ("평생학습 강좌 수강 자격", None),
        ("서울형 기초보장 재산 기준", None),
        ("청년 월세 지원 소득 기준", None),
        ("아이돌봄 서비스 이용 시간", ("월 60시간", "월 120시간")),
        ("위원회 회의 서면 심의", None),
    ],
    "transport_env_safety": [
        ("마을버스 환승 시간", ("1시간", "2시간")),
        ("자동차 전용도로 지정", None),
        ("차량진출입로 설치 요건", None),
        ("따릉이 이용 연령", ("15세", "13세")),
        ("전동킥보드 주차 구역", None),
        ("공사장 소음 기준", None),
        ("옥상 태양광 설치", None),
        ("전기차 충전기 설치 의무", None),
        ("거주자 우선주차 배정", None),
        ("어린이보호구역 제한 속도 시간대", None),
        ("택시 부제 운영", None),
        ("화물차 차고지 기준", None),
        ("빗물받이 설치 기준", None),
        ("CCTV 설치 심의", None),
        ("가로수 식재 간격", ("8m", "6m")),
        ("자전거도로 폭", ("2m", "1.5m")),
        ("공영주차장 요금 감면 대상", None),
        ("LED 가로등 교체 기준", None),
        ("소형 건설기계 운행 시간", None),
        ("재활용품 분리배출 요일", None),
        ("승합차 통행 제한 구간", None),
        ("한강공원 배달 구역", None),
        ("보행자 우선도로 지정 요건", None),
        ("버스정류장 쉘터 설치 기준", None),
        ("공사 안전점검 서류", ("5종", "2종")),
    ],
}

TARGETS: dict[str, list[str]] = {
    "construction_housing": [
        "소규모 건축물",
        "노후 공동주택",
        "준주거지역",
        "상업지역",
        "역세권 부지",
        "저층 주거지",
        "가로주택정비사업 구역",
        "소규모 재건축 단지",
        "다가구주택",
        "역세권 청년주택",
    ],
    "business_smallbiz": [
        "소상공인",
        "전통시장",
        "골목상권",
        "도매시장 임차인",
        "공원 매점",
        "청년 창업자",
        "중소기업",
        "지역 상점가",
        "푸드트럭 사업자",
        "시장 상인회",
    ],
    "admin_welfare": [
        "어르신",
        "청년",
        "맞벌이 가정",
        "장애인",
        "한부모 가족",
        "중장년 구직자",
        "초등학생 자녀 가정",
        "1인 가구",
        "저소득 가구",
        "자치구 주민센터",
    ],
    "transport_env_safety": [
        "마을버스 이용자",
        "자전거 이용자",
        "대중교통 이용 시민",
        "운전자",
        "공사 현장",
        "주거지 주민",
        "보행자",
        "택시 기사",
        "통근 시민",
        "물류 사업자",
    ],
}

ACTIONS: dict[str, list[str]] = {
    "economic": [
        "완화",
        "폐지",
        "규제 완화",
        "기준 완화",
        "허용",
        "요건 완화",
        "절차 간소화",
        "상한 폐지",
        "제한 해제",
    ],
    "excessive_standard": [
        "기준 완화",
        "상한 폐지",
        "요건 현실화",
        "대상 확대",
        "조건 폐지",
        "기준 정비",
        "서류 간소화",
        "기준 합리화",
    ],
    "citizen_inconvenience": [
        "온라인 신청 허용",
        "이용 대상 확대",
        "이용 시간 연장",
        "예외적 허용",
        "방문 절차 폐지",
        "제출 서류 축소",
        "절차 개선",
        "기준 재정비",
    ],
}

ORDINANCES: dict[str, list[str]] = {
    "construction_housing": [
        "서울특별시 도시계획 조례",
        "서울특별시 건축 조례",
        "서울특별시 도시 및 주거환경정비 조례",
        "서울특별시 주차장 설치 및 관리 조례",
    ],
    "business_smallbiz": [
        "서울특별시 전통시장 및 상점가 육성을 위한 조례",
        "서울특별시 옥외광고물 등 관리 조례",
        "서울특별시 도시공원 조례",
        "서울특별시 농수산물도매시장 관리 조례",
    ],
    "admin_welfare": [
        "서울특별시 사회복지기금 조례",
        "서울특별시 청년 기본 조례",
        "서울특별시 아동돌봄 지원에 관한 조례",
        "서울특별시 공공주택 관리 규칙",
    ],
    "transport_env_safety": [
        "서울특별시 여객자동차 운수사업 조례",
        "서울특별시 도로 점용허가 및 점용료 등 징수 조례",
        "서울특별시 소음·진동 관리 조례",
        "서울특별시 자전거 이용 활성화에 관한 조례",
    ],
}

RULE_PHRASES = [
    "조례로 일률적으로 제한하고 있습니다",
    "별도의 위원회 심의를 거치도록 규정하고 있습니다",
    "엄격한 기준을 적용하고 있습니다",
    "지침에 따라 획일적으로 운영하고 있습니다",
    "10여 년 전 정한 기준을 그대로 유지하고 있습니다",
    "담당 부서의 사전 승인을 받도록 하고 있습니다",
]
HARMS: dict[str, list[str]] = {
    "construction_housing": [
        "사업성이 떨어져 정비가 지연됩니다",
        "주택 공급이 늦어지고 있습니다",
        "노후 건축물이 방치되고 있습니다",
        "건축비 부담이 커지고 있습니다",
    ],
    "business_smallbiz": [
        "영업 손실이 커지고 있습니다",
        "소상공인의 비용 부담이 늘어납니다",
        "상권 활성화를 가로막고 있습니다",
        "새로운 창업을 어렵게 합니다",
    ],
    "admin_welfare": [
        "꼭 필요한 시민이 지원을 받지 못하고 있습니다",
        "신청 과정이 번거로워 포기하는 경우가 많습니다",
        "같은 서류를 여러 번 내야 합니다",
        "돌봄 공백이 생기고 있습니다",
    ],
    "transport_env_safety": [
        "시민 이동이 불편합니다",
        "출퇴근 시간이 길어지고 있습니다",
        "현장 여건과 맞지 않아 민원이 반복됩니다",
        "불필요한 비용이 발생합니다",
    ],
}
BENEFITS = [
    "시민 불편을 줄일 수 있습니다",
    "행정 비용이 절감됩니다",
    "민간 투자가 늘어날 것입니다",
    "현장 여건에 맞는 운영이 가능해집니다",
    "시민 체감도가 높아집니다",
    "지역 경제에 활력이 생깁니다",
    "처리 기간이 크게 줄어듭니다",
    "더 많은 시민이 혜택을 받게 됩니다",
]
OPENERS = ["", "", "실제로 ", "현장에서는 ", "특히 ", "최근 "]
CLOSERS = ["", " 개선을 부탁드립니다.", " 검토 바랍니다.", " 꼭 바꿔 주세요."]

SURNAMES = "김이박최정강조윤장임한오서신권황안송류전홍고문양손배백허유남심노하곽성차주우구민진나"
GIVEN = "민서준도윤지하은예현우수아진호영재성연주원서희경태혜미정상동규보람소나라다빈건채승유"


def _has_batchim(word: str) -> bool:
    for char in reversed(word.strip()):
        if "가" <= char <= "힣":
            return (ord(char) - 0xAC00) % 28 != 0
        if char.isdigit():
            return char in "013678"
        if char.isalpha():
            return char.lower() in "lmn"
    return False


def josa(word: str, pair: str) -> str:
    """Attach the right particle: josa("용적률", "을/를") -> "용적률을"."""
    with_batchim, without = pair.split("/")
    return word + (with_batchim if _has_batchim(word) else without)


def _squash(rng: random.Random, phrase: str) -> str:
    """Sometimes write a compound without spaces, as many people do ("용적률완화")."""
    return phrase.replace(" ", "") if rng.random() < 0.15 else phrase


def _verb(action: str) -> str:
    """The action as a verb stem ending with 하: "기준 완화" -> "기준을 완화하"."""
    words = action.split()
    if len(words) == 2 and words[0] in (
        "기준",
        "요건",
        "절차",
        "상한",
        "조건",
        "제한",
        "대상",
        "서류",
        "이용",
        "규제",
    ):
        return f"{josa(words[0], '을/를')} {words[1]}하"
    return f"{action}하"


def _pick(rng: random.Random, sector: str) -> tuple[str, tuple[str, str] | None, str]:
    subject, figures = rng.choice(SUBJECTS[sector])
    return subject, figures, rng.choice(TARGETS[sector])


def _title(
    rng: random.Random, subject: str, figures: tuple[str, str] | None, target: str, action: str
) -> str:
    pattern = rng.randrange(6)
    if figures and rng.random() < 0.5:
        title = f"{subject} {action} ({figures[0]} → {figures[1]})"
    elif pattern == 0:
        title = f"{target} {subject} {action}"
    elif pattern == 1:
        title = f"{target}의 {subject} {action}"
    elif pattern == 2:
        title = f"{subject} {action} 건의"
    elif pattern == 3:
        title = f"{subject} 관련 {action} 요청"
    elif pattern == 4:
        title = f"{target} 대상 {subject} {action}"
    else:
        title = f"{subject} {action}"
    return title[:120]


def _body(
    rng: random.Random,
    sector: str,
    subject: str,
    figures: tuple[str, str] | None,
    target: str,
    action: str,
) -> tuple[str, str | None, str, str, str]:
    rule = rng.choice(RULE_PHRASES)
    current = f"현재 {target}에 대해서는 {josa(subject, '을/를')} {rule}."
    if figures:
        current += f" 기준은 {figures[0]}입니다."
    legal = None
    if rng.random() < 0.7:
        legal = f"{rng.choice(ORDINANCES[sector])} 제{rng.randint(3, 78)}조"
    harms = rng.sample(HARMS[sector], k=rng.randint(1, 2))
    problem_sentences = [
        f"{rng.choice(OPENERS)}{josa(subject, '이/가')} 현실과 맞지 않아 {harms[0]}.",
        f"{target} 입장에서는 {_squash(rng, subject + ' 기준')} 때문에 불편이 큽니다.",
    ]
    if len(harms) > 1:
        problem_sentences.append(f"또한 {harms[1]}.")
    if rng.random() < 0.5:
        problem_sentences.append(
            f"다른 시·도에서는 이미 {josa(subject, '을/를')} 완화해 운영하고 있습니다."
        )
    problem = " ".join(problem_sentences)
    verb = _verb(action)
    style = rng.randrange(4)
    if style == 0:
        change = f"{josa(subject, '을/를')} {verb}여 {target}의 부담을 덜어 주십시오."
    elif style == 1:
        change = f"{subject} {josa(action, '이/가')} 필요합니다."
    elif style == 2:
        change = f"{josa(_squash(rng, subject + ' ' + action), '을/를')} 제안합니다."
    else:
        change = f"{subject}에 대해 {action} 조치를 하고 예외를 인정해야 합니다."
    if figures:
        change += f" ({figures[0]} → {figures[1]})"
    change += rng.choice(CLOSERS)
    effect = f"{rng.choice(BENEFITS).rstrip('.')}."
    if rng.random() < 0.5:
        effect += f" {target}의 만족도가 높아질 것으로 기대합니다."
    return current, legal, problem, change.strip(), effect


def make_text(rng: random.Random, sector: str, reg_type: str) -> ProposalText:
    """A new realistic proposal for that sector and regulation type."""
    subject, figures, target = _pick(rng, sector)
    action = rng.choice(ACTIONS[reg_type])
    title = _title(rng, subject, figures, target, action)
    current, legal, problem, change, effect = _body(rng, sector, subject, figures, target, action)
    return ProposalText(title, current, legal, problem, change, effect, (subject, target, action))


def example_text(rng: random.Random, title: str, sector: str, reg_type: str) -> ProposalText:
    """A full body for a named example: the title stays exactly as the report wrote it."""
    core = title.split(" (")[0]
    words = core.split()
    action = words[-1] if len(words) > 1 else rng.choice(ACTIONS[reg_type])
    subject = " ".join(words[:-1]) if len(words) > 1 else core
    figures = None
    if "(" in title:
        inside = title[title.index("(") + 1 : title.rindex(")")]
        for arrow in ("→", "->"):
            if arrow in inside:
                before, after = (part.strip() for part in inside.split(arrow, 1))
                figures = (before, after)
    target = rng.choice(TARGETS[sector])
    current, legal, problem, change, effect = _body(rng, sector, subject, figures, target, action)
    return ProposalText(title, current, legal, problem, change, effect, (subject, target, action))


def make_duplicate_text(rng: random.Random, original: ProposalText) -> ProposalText:
    """The same request written by someone else, in other words, particles and spacing."""
    subject, target, action = original.topic
    if not subject:
        return original
    verb = _verb(action)
    titles = [
        f"{josa(subject, '을/를')} {verb}여 주세요",
        f"{target} {_squash(rng, subject + ' ' + action)} 요청",
        f"{subject}{action}".replace(" ", "") + " 건의",
        f"{subject} 규정 {josa(action, '이/가')} 시급합니다",
    ]
    title = rng.choice(titles)[:120]
    current = f"{josa(subject, '은/는')} {rng.choice(RULE_PHRASES)}."
    problem = (
        f"{josa(target, '으로서/로서')} {_squash(rng, subject)} 때문에 어려움을 겪고 있습니다. "
        f"{original.problem.split('. ')[0].rstrip('.')}."
    )
    change = f"{subject} {josa(action, '을/를')} 바랍니다."
    effect = f"{rng.choice(BENEFITS)}."
    return ProposalText(
        title, current, original.legal_basis, problem, change, effect, original.topic
    )


def make_person_name(rng: random.Random) -> str:
    """A realistic Korean full name (surname + two-syllable given name)."""
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)


if __name__ == "__main__":
    sample_rng = random.Random(1)
    titles = {make_text(sample_rng, s, t).title for s in SECTORS for t in TYPES for _ in range(210)}
    print(len(titles), "distinct titles of", 210 * 12)
    for _ in range(5):
        text = make_text(sample_rng, sample_rng.choice(SECTORS), sample_rng.choice(TYPES))
        print(text.title, "|", text.proposed_change)
