/* Demo data: three accounts, a two-level category tree, ~50 products with generated SVG images
 * and one scheduled live with three products. Everything is inserted in one transaction, only
 * into a database without users. {data_dir}/demo-live.env (LIVE_ID, STREAM_KEY) is (re)written on
 * every call so scripts/run-demo.sh can start the demo publisher. */
#include "demo.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../accounts/accounts.h"
#include "../commerce/commerce.h"
#include "../live/live.h"

#define SELLER_EMAIL "seller@broadcart.local"
#define LIVE_TITLE "오늘 단 하루! 겨울 니트 라이브 특가"
#define STREAM_KEY_LEN 32

/* ---- catalog data ------------------------------------------------------------------------- */

/* Silhouettes drawn into the product images. */
enum shape {
    SH_KNIT,
    SH_COAT,
    SH_SHIRT,
    SH_PANTS,
    SH_DRESS,
    SH_BAG,
    SH_SCARF,
    SH_BOTTLE,
    SH_JAR,
    SH_BOX,
    SH_LIPSTICK,
    SH_COMPACT,
    SH_BOWL,
    SH_FRUIT,
    SH_LEAF,
    SH_POT,
    SH_MUG,
    SH_BOARD,
    SH_LAMP,
    SH_CANDLE,
    SH_CUSHION,
    SH_VASE,
};

/* Background gradient and text color of a top-level category. */
struct palette {
    const char *bg1, *bg2, *ink;
};

struct demo_cat {
    const char *name, *slug, *label; /* label: English caption of a top-level category */
    int parent;                      /* index into cats, -1 for a top-level category */
    int position;
    int palette; /* index into palettes (top-level categories) */
};

struct demo_product {
    int cat; /* index into cats (a leaf) */
    const char *name, *desc;
    int price, stock;
    enum shape shape;
    const char *color;
};

static const struct palette palettes[] = {
    {"#FCE3D6", "#E8A58C", "#8C4A36"}, /* fashion */
    {"#FCE4EE", "#E59AB8", "#8E3B5E"}, /* beauty */
    {"#FFF3CF", "#F2B544", "#8A5A00"}, /* food */
    {"#E0F0E7", "#86BBA3", "#2F6650"}, /* living */
};

enum {
    C_FASHION,
    C_WOMEN,
    C_MEN,
    C_BAGS,
    C_BEAUTY,
    C_SKIN,
    C_MAKEUP,
    C_FOOD,
    C_MEAL,
    C_FRUIT,
    C_LIVING,
    C_KITCHEN,
    C_INTERIOR,
    C_COUNT
};

static const struct demo_cat cats[C_COUNT] = {
    [C_FASHION] = {"패션", "fashion", "FASHION", -1, 0, 0},
    [C_WOMEN] = {"여성의류", "womens-clothing", NULL, C_FASHION, 0, 0},
    [C_MEN] = {"남성의류", "mens-clothing", NULL, C_FASHION, 1, 0},
    [C_BAGS] = {"가방·잡화", "bags-accessories", NULL, C_FASHION, 2, 0},
    [C_BEAUTY] = {"뷰티", "beauty", "BEAUTY", -1, 1, 1},
    [C_SKIN] = {"스킨케어", "skincare", NULL, C_BEAUTY, 0, 1},
    [C_MAKEUP] = {"메이크업", "makeup", NULL, C_BEAUTY, 1, 1},
    [C_FOOD] = {"식품", "food", "FOOD", -1, 2, 2},
    [C_MEAL] = {"간편식", "ready-meals", NULL, C_FOOD, 0, 2},
    [C_FRUIT] = {"과일·채소", "fruits-vegetables", NULL, C_FOOD, 1, 2},
    [C_LIVING] = {"리빙", "living", "LIVING", -1, 3, 3},
    [C_KITCHEN] = {"주방", "kitchen", NULL, C_LIVING, 0, 3},
    [C_INTERIOR] = {"인테리어", "interior", NULL, C_LIVING, 1, 3},
};

/* The first three are the demo live's products (the first one pinned). Stock 0 = SOLD_OUT. */
static const struct demo_product products[] = {
    {C_WOMEN, "캐시미어 블렌드 라운드넥 니트",
     "캐시미어 10% 블렌드로 가볍고 포근한 데일리 니트예요. 보풀이 적은 고밀도 짜임이라 오래 입어도 새 옷 같아요. (FREE "
     "사이즈, 5 컬러)",
     59000, 80, SH_KNIT, "#C9A27E"},
    {C_WOMEN, "케이블 짜임 오버핏 니트 가디건",
     "도톰한 케이블 짜임이 포인트인 오버핏 가디건. 셔츠나 원피스 위에 툭 걸치기 좋아요. 울 30% 혼방.", 69000, 60,
     SH_KNIT, "#8E9AAF"},
    {C_WOMEN, "울 혼방 터틀넥 스웨터",
     "목을 따뜻하게 감싸는 터틀넥 스웨터. 까슬거림 없는 부드러운 원사를 사용했어요. 겨울 이너로 추천합니다.", 49900,
     120, SH_KNIT, "#7A2E3A"},
    {C_WOMEN, "핸드메이드 울 롱 코트",
     "울 80% 원단을 손바느질로 마감한 핸드메이드 롱 코트. 군더더기 없는 실루엣으로 어떤 룩에도 잘 어울려요.", 189000,
     25, SH_COAT, "#4B4B4B"},
    {C_WOMEN, "라이트 다운 숏패딩",
     "덕다운 80:20 충전재의 가벼운 숏패딩. 작게 접혀 휴대가 편하고 생활 방수 원단을 사용했어요.", 89000, 50, SH_COAT,
     "#2F3E56"},
    {C_WOMEN, "기모 안감 와이드 슬랙스",
     "안쪽 기모로 겨울에도 따뜻한 와이드 슬랙스. 허리 뒷밴딩으로 편안하고 다리 라인을 곧게 잡아줘요.", 39900, 100,
     SH_PANTS, "#5C4B51"},
    {C_WOMEN, "골지 니트 롱 원피스",
     "몸에 자연스럽게 떨어지는 골지 니트 원피스. 단독으로도, 코트 안 레이어드로도 좋아요.", 54000, 75, SH_DRESS,
     "#A26769"},
    {C_WOMEN, "플리츠 미디 스커트", "찰랑이는 플리츠 디테일의 미디 스커트. 허리 밴딩으로 편하게 입을 수 있어요.", 35000,
     0, SH_DRESS, "#6D597A"},

    {C_MEN, "헤비 코튼 오버핏 맨투맨", "20수 쭈리 원단의 탄탄한 오버핏 맨투맨. 세탁 후에도 목 늘어남이 적어요.", 29900,
     150, SH_SHIRT, "#5B6B5A"},
    {C_MEN, "옥스포드 버튼다운 셔츠",
     "도톰한 옥스포드 원단의 클래식 버튼다운 셔츠. 출근룩부터 주말 캐주얼까지 두루 활용하세요.", 39000, 90, SH_SHIRT,
     "#7FA7D1"},
    {C_MEN, "울 블렌드 싱글 코트", "울 70% 블렌드 싱글 브레스티드 코트. 어깨 라인이 자연스러운 세미 오버핏이에요.",
     159000, 30, SH_COAT, "#8A6E55"},
    {C_MEN, "기모 밴딩 치노 팬츠", "겨울용 기모 안감 치노 팬츠. 허리 밴딩과 스트레치 원단으로 활동이 편해요.", 35900,
     110, SH_PANTS, "#B9A282"},
    {C_MEN, "경량 구스다운 베스트", "구스다운 90:10 경량 베스트. 재킷 안에 입어도 부해 보이지 않아요.", 69000, 0,
     SH_COAT, "#1F2A36"},
    {C_MEN, "램스울 브이넥 니트", "램스울 100%의 부드러운 브이넥 니트. 셔츠와 레이어드하기 좋은 슬림핏이에요.", 45000,
     70, SH_KNIT, "#3D5A80"},

    {C_BAGS, "소가죽 미니 토트백",
     "이탈리아산 소가죽으로 만든 미니 토트백. 탈착 가능한 스트랩으로 크로스백으로도 연출할 수 있어요.", 129000, 40,
     SH_BAG, "#6B3F2A"},
    {C_BAGS, "캔버스 데일리 숄더백",
     "노트북 13인치까지 들어가는 넉넉한 캔버스 숄더백. 안쪽 지퍼 포켓이 있어 소지품 정리가 쉬워요.", 32000, 140, SH_BAG,
     "#B8A77E"},
    {C_BAGS, "나일론 경량 백팩",
     "가벼운 나일론 소재에 생활 방수 코팅을 더한 데일리 백팩. 등판 쿠션으로 장시간 착용도 편해요.", 49000, 95, SH_BAG,
     "#2B2D42"},
    {C_BAGS, "캐시미어 100% 머플러", "내몽골산 캐시미어 100% 머플러. 가볍지만 놀랄 만큼 따뜻해요. 선물 포장 가능.",
     39000, 160, SH_SCARF, "#B5838D"},
    {C_BAGS, "실크 트윌 스카프", "실크 100% 트윌 스카프. 목에 두르거나 가방에 묶어 포인트를 주세요. (70x70cm)", 29000,
     85, SH_SCARF, "#E5989B"},
    {C_BAGS, "베지터블 가죽 카드지갑", "베지터블 태닝 가죽이라 쓸수록 멋스럽게 길들어요. 카드 6장과 지폐 수납.", 25000,
     120, SH_BAG, "#9C6644"},

    {C_SKIN, "히알루론산 수분 토너 300ml",
     "8중 히알루론산이 피부 속까지 촉촉하게 채워주는 대용량 수분 토너. 민감 피부 임상 완료.", 18900, 180, SH_BOTTLE,
     "#7EC4E6"},
    {C_SKIN, "비타민C 잡티 세럼 30ml",
     "순수 비타민C 유도체 15% 함유. 칙칙한 피부 톤을 맑게 가꿔주는 브라이트닝 세럼이에요.", 27000, 130, SH_BOTTLE,
     "#F4A259"},
    {C_SKIN, "세라마이드 장벽 크림 50ml", "5중 세라마이드가 무너진 피부 장벽을 탄탄하게. 건조한 겨울철 필수 보습 크림.",
     24900, 150, SH_JAR, "#D9C2A7"},
    {C_SKIN, "약산성 클렌징 폼 & 토너 세트", "pH 5.5 약산성 클렌징 폼과 저자극 토너 세트. 세안 후 당김 없이 산뜻해요.",
     29800, 100, SH_BOTTLE, "#9DC08B"},
    {C_SKIN, "무기자차 톤업 선크림 SPF50+",
     "백탁 없이 자연스럽게 톤업되는 무기자차 선크림. 메이크업 베이스로도 좋아요.", 19900, 200, SH_BOTTLE, "#F2CC8F"},
    {C_SKIN, "시카 진정 마스크팩 10매", "병풀 추출물이 붉어진 피부를 빠르게 진정시키는 시트 마스크 10매입.", 15000, 0,
     SH_BOX, "#81B29A"},
    {C_SKIN, "병풀 추출물 75% 앰플", "병풀 추출물 75% 고농축 앰플. 트러블로 예민해진 피부를 편안하게 가라앉혀요.",
     22000, 90, SH_BOTTLE, "#6A994E"},

    {C_MAKEUP, "벨벳 매트 립스틱 로즈브라운",
     "한 번만 발라도 선명한 발색의 벨벳 매트 립스틱. 건조함 없이 하루 종일 편안해요.", 16000, 170, SH_LIPSTICK,
     "#9E3B4A"},
    {C_MAKEUP, "글로우 립 틴트 4종 택1", "물 먹은 듯 맑은 광택의 글로우 틴트. 코랄·로즈·레드·베리 중 선택하세요.",
     12900, 190, SH_LIPSTICK, "#D6455D"},
    {C_MAKEUP, "롱래스팅 커버 쿠션 (리필 포함)",
     "얇게 밀착되어 무너짐 없는 커버 쿠션. 본품과 리필 1개 구성, 21호·23호.", 32000, 120, SH_COMPACT, "#E8C4A2"},
    {C_MAKEUP, "9색 아이섀도우 팔레트 누디 베이지", "매트·쉬머·글리터를 담은 데일리 9색 팔레트. 가루 날림이 적어요.",
     28000, 80, SH_COMPACT, "#C08A6A"},
    {C_MAKEUP, "워터프루프 브로우 펜슬",
     "땀과 물에 강한 워터프루프 브로우 펜슬. 슬림한 심으로 결 따라 자연스럽게 그려져요.", 9900, 200, SH_LIPSTICK,
     "#6F4E37"},
    {C_MAKEUP, "픽싱 메이크업 세팅 미스트", "미세한 분사로 메이크업을 고정해 주는 세팅 미스트. 수분감까지 채워줘요.",
     14900, 110, SH_BOTTLE, "#C5B4E3"},

    {C_MEAL, "한우 사골곰탕 500g x 5팩", "국내산 한우 사골을 24시간 우려낸 진한 곰탕. 데우기만 하면 든든한 한 끼 완성.",
     24900, 150, SH_BOWL, "#EFE3C8"},
    {C_MEAL, "돼지 김치찌개 밀키트 2인분",
     "국내산 돼지고기와 묵은지가 들어간 김치찌개 밀키트. 15분이면 식당 맛 그대로.", 12900, 120, SH_BOWL, "#C8412B"},
    {C_MEAL, "수제 왕교자 만두 1.2kg", "두툼한 피에 고기와 채소를 꽉 채운 수제 왕교자. 찜·군만두·만둣국 모두 좋아요.",
     15900, 130, SH_BOX, "#E07A5F"},
    {C_MEAL, "전복 삼계탕 1kg", "국내산 영계와 완도 전복을 넣어 푹 끓인 보양 삼계탕. 전자레인지 조리 가능.", 17900, 90,
     SH_BOWL, "#E8D6A8"},
    {C_MEAL, "로제 떡볶이 밀키트 3인분", "크리미한 로제 소스와 쫄깃한 밀떡의 만남. 넓적당면 사리 포함.", 11900, 160,
     SH_BOWL, "#E26D5C"},
    {C_MEAL, "곤드레 나물밥 6개입", "강원도 곤드레를 넣어 지은 즉석 나물밥. 양념장이 함께 들어 있어요.", 13500, 100,
     SH_BOX, "#7A9E5B"},

    {C_FRUIT, "성주 꿀참외 2kg (5~8과)",
     "당도 선별한 경북 성주 꿀참외. 아삭한 식감과 진한 단맛을 산지에서 바로 보내드려요.", 29900, 60, SH_FRUIT,
     "#F2C230"},
    {C_FRUIT, "제주 감귤 로얄과 3kg", "껍질이 얇고 새콤달콤한 제주 노지 감귤 로얄과. 한 입 크기라 먹기 편해요.", 19900,
     180, SH_FRUIT, "#F28C28"},
    {C_FRUIT, "충주 부사 사과 5kg", "일교차가 큰 충주에서 자란 아삭한 부사. 가정용 중과, 꼼꼼히 선별했어요.", 39000, 70,
     SH_FRUIT, "#C9302C"},
    {C_FRUIT, "샤인머스캣 2송이 1.4kg", "알이 굵고 향긋한 샤인머스캣. 씨 없이 껍질째 먹을 수 있어요.", 34900, 50,
     SH_FRUIT, "#9BC53D"},
    {C_FRUIT, "유기농 쌈채소 모둠 1kg", "유기농 인증 농장에서 아침에 수확한 쌈채소 6종 모둠.", 12000, 90, SH_LEAF,
     "#6A994E"},
    {C_FRUIT, "해남 꿀고구마 3kg", "해남 황토밭에서 키운 꿀고구마. 구우면 속이 노랗고 촉촉해요.", 16900, 140, SH_FRUIT,
     "#8E4A6B"},

    {C_KITCHEN, "스테인리스 통3중 냄비 20cm", "열전도가 고른 통3중 스테인리스 냄비. 인덕션·가스레인지 모두 사용 가능.",
     49000, 60, SH_POT, "#AEB6BF"},
    {C_KITCHEN, "무쇠 주물 양수 냄비 22cm", "에나멜 코팅 무쇠 주물 냄비. 찜·수프·밥 짓기까지 한 냄비로 해결하세요.",
     89000, 35, SH_POT, "#C0392B"},
    {C_KITCHEN, "핸드메이드 세라믹 머그 2P", "도공이 한 점씩 빚은 세라믹 머그 2개 세트. 350ml, 식기세척기 사용 가능.",
     24000, 120, SH_MUG, "#6C8EAD"},
    {C_KITCHEN, "논슬립 원목 도마 대형", "원목 통판을 깎아 만든 대형 도마. 바닥 논슬립 패드로 밀리지 않아요.", 29000,
     80, SH_BOARD, "#B07D48"},
    {C_KITCHEN, "실리콘 조리도구 5종 세트", "스크래치 걱정 없는 플래티넘 실리콘 조리도구 5종. 내열 230도.", 19900, 150,
     SH_BOX, "#577590"},
    {C_KITCHEN, "내열유리 밀폐용기 10종 세트", "오븐·전자레인지 사용 가능한 내열유리 밀폐용기 10종. 4면 결착 뚜껑.",
     34900, 100, SH_BOX, "#5FA8A0"},

    {C_INTERIOR, "우드 스탠드 무드등", "원목 스탠드와 린넨 갓이 어우러진 무드등. 3단계 밝기 조절 LED 전구 포함.", 39000,
     70, SH_LAMP, "#E9C46A"},
    {C_INTERIOR, "소이 캔들 300g 라벤더 블룸",
     "100% 소이 왁스와 코튼 심지로 만든 캔들. 라벤더와 화이트 머스크 향, 약 60시간 연소.", 18000, 150, SH_CANDLE,
     "#B8A1D9"},
    {C_INTERIOR, "부클레 쿠션 커버 45x45", "몽글몽글한 부클레 원단의 쿠션 커버. 숨은 지퍼 마감, 솜은 별도예요.", 15900,
     190, SH_CUSHION, "#E6D5C3"},
    {C_INTERIOR, "무광 세라믹 화병",
     "차분한 무광 유약의 세라믹 화병. 마른 꽃이나 나뭇가지 한 줄기로도 분위기가 달라져요.", 27000, 65, SH_VASE,
     "#D08C60"},
    {C_INTERIOR, "극세사 차렵이불 퀸", "부드러운 극세사 차렵이불. 사계절 세탁기 사용 가능, 퀸 사이즈.", 69000, 55,
     SH_CUSHION, "#A3B18A"},
};

#define N_PRODUCTS (sizeof products / sizeof products[0])

/* SVG elements of each silhouette on an 800x800 canvas; '@' stands for the product color. */
static const char *const shapes[] = {
    [SH_KNIT] =
        "<path d=\"M318 170Q400 215 482 170L560 196Q600 214 612 256L650 410L588 428L540 300L540 532L260 532L260 "
        "300L212 428L150 410L188 256Q200 214 240 196Z\" fill=\"@\"/>"
        "<path d=\"M150 410L212 428L204 456L142 438ZM650 410L588 428L596 456L658 438Z\" fill=\"@\"/>"
        "<path d=\"M150 410L212 428L204 456L142 438ZM650 410L588 428L596 456L658 438Z\" fill=\"#000\" "
        "fill-opacity=\".16\"/>"
        "<rect x=\"260\" y=\"500\" width=\"280\" height=\"32\" fill=\"#000\" fill-opacity=\".14\"/>"
        "<path d=\"M318 170Q400 215 482 170\" fill=\"none\" stroke=\"#000\" stroke-opacity=\".16\" "
        "stroke-width=\"14\"/>"
        "<path d=\"M340 250q20 30 0 60q-20 30 0 60q20 30 0 60M460 250q20 30 0 60q-20 30 0 60q20 30 0 60M400 240v250\" "
        "fill=\"none\" stroke=\"#fff\" stroke-opacity=\".3\" stroke-width=\"8\" stroke-linecap=\"round\"/>",
    [SH_COAT] = "<path d=\"M330 160L470 160L560 190Q596 206 606 246L640 470L584 482L556 320L560 560L240 560L244 "
                "320L216 482L160 470L194 246Q204 206 240 190Z\" fill=\"@\"/>"
                "<path d=\"M330 160L400 300L470 160L446 160L400 250L354 160Z\" fill=\"#000\" fill-opacity=\".2\"/>"
                "<path d=\"M400 300V560\" stroke=\"#000\" stroke-opacity=\".2\" stroke-width=\"4\"/>"
                "<circle cx=\"420\" cy=\"350\" r=\"9\" fill=\"#000\" fill-opacity=\".3\"/><circle cx=\"420\" "
                "cy=\"410\" r=\"9\" fill=\"#000\" fill-opacity=\".3\"/><circle cx=\"420\" cy=\"470\" r=\"9\" "
                "fill=\"#000\" fill-opacity=\".3\"/>"
                "<rect x=\"280\" y=\"440\" width=\"70\" height=\"8\" rx=\"4\" fill=\"#000\" fill-opacity=\".2\"/><rect "
                "x=\"450\" y=\"440\" width=\"70\" height=\"8\" rx=\"4\" fill=\"#000\" fill-opacity=\".2\"/>",
    [SH_SHIRT] = "<path d=\"M320 180Q400 220 480 180L580 210L640 300L580 340L550 300L550 530L250 530L250 300L220 "
                 "340L160 300L220 210Z\" fill=\"@\"/>"
                 "<path d=\"M320 180Q400 220 480 180\" fill=\"none\" stroke=\"#000\" stroke-opacity=\".18\" "
                 "stroke-width=\"12\"/>"
                 "<rect x=\"250\" y=\"510\" width=\"300\" height=\"20\" fill=\"#000\" fill-opacity=\".12\"/>"
                 "<path d=\"M280 230V500\" stroke=\"#fff\" stroke-opacity=\".25\" stroke-width=\"10\" "
                 "stroke-linecap=\"round\"/>",
    [SH_PANTS] =
        "<path d=\"M290 170H510L540 540H420L400 290L380 540H260Z\" fill=\"@\"/>"
        "<rect x=\"290\" y=\"170\" width=\"220\" height=\"28\" fill=\"#000\" fill-opacity=\".15\"/>"
        "<path d=\"M330 220L315 530M470 220L485 530\" stroke=\"#fff\" stroke-opacity=\".25\" stroke-width=\"4\"/>",
    [SH_DRESS] = "<path d=\"M350 160Q400 190 450 160L470 170L480 300Q470 320 460 330L580 540H220L340 330Q330 320 320 "
                 "300L330 170Z\" fill=\"@\"/>"
                 "<path d=\"M338 322H462\" stroke=\"#000\" stroke-opacity=\".2\" stroke-width=\"12\"/>"
                 "<path d=\"M400 340V540M360 340L320 540M440 340L480 540\" stroke=\"#000\" stroke-opacity=\".12\" "
                 "stroke-width=\"4\"/>",
    [SH_BAG] = "<path d=\"M320 300V250Q320 190 400 190Q480 190 480 250V300\" fill=\"none\" stroke=\"@\" "
               "stroke-width=\"22\" stroke-linecap=\"round\"/>"
               "<path d=\"M320 300V250Q320 190 400 190Q480 190 480 250V300\" fill=\"none\" stroke=\"#000\" "
               "stroke-opacity=\".2\" stroke-width=\"22\" stroke-linecap=\"round\"/>"
               "<path d=\"M240 300H560L590 540Q592 556 576 556H224Q208 556 210 540Z\" fill=\"@\"/>"
               "<path d=\"M240 300H560L566 360Q400 420 234 360Z\" fill=\"#000\" fill-opacity=\".15\"/>"
               "<rect x=\"384\" y=\"372\" width=\"32\" height=\"26\" rx=\"6\" fill=\"#fff\" fill-opacity=\".75\"/>",
    [SH_SCARF] = "<path d=\"M300 170Q400 140 500 170L500 260Q400 230 300 260Z\" fill=\"@\"/>"
                 "<rect x=\"310\" y=\"240\" width=\"80\" height=\"280\" rx=\"10\" fill=\"@\"/><rect x=\"410\" "
                 "y=\"250\" width=\"80\" height=\"250\" rx=\"10\" fill=\"@\"/>"
                 "<rect x=\"410\" y=\"250\" width=\"80\" height=\"250\" rx=\"10\" fill=\"#000\" fill-opacity=\".12\"/>"
                 "<path d=\"M310 300H390M310 320H390M410 300H490M410 320H490\" stroke=\"#fff\" stroke-opacity=\".35\" "
                 "stroke-width=\"6\"/>"
                 "<path d=\"M318 520v24M334 520v24M350 520v24M366 520v24M382 520v24M418 500v24M434 500v24M450 "
                 "500v24M466 500v24M482 500v24\" stroke=\"@\" stroke-width=\"5\" stroke-linecap=\"round\"/>",
    [SH_BOTTLE] =
        "<rect x=\"362\" y=\"170\" width=\"76\" height=\"80\" rx=\"10\" fill=\"#2B2B2B\" fill-opacity=\".85\"/>"
        "<rect x=\"376\" y=\"244\" width=\"48\" height=\"26\" fill=\"@\"/>"
        "<rect x=\"320\" y=\"266\" width=\"160\" height=\"280\" rx=\"36\" fill=\"@\"/>"
        "<rect x=\"340\" y=\"350\" width=\"120\" height=\"120\" rx=\"10\" fill=\"#fff\" fill-opacity=\".8\"/>"
        "<path d=\"M362 390H438M372 420H428\" stroke=\"#000\" stroke-opacity=\".35\" stroke-width=\"6\" "
        "stroke-linecap=\"round\"/>"
        "<rect x=\"334\" y=\"290\" width=\"14\" height=\"220\" rx=\"7\" fill=\"#fff\" fill-opacity=\".35\"/>",
    [SH_JAR] =
        "<rect x=\"270\" y=\"300\" width=\"260\" height=\"70\" rx=\"16\" fill=\"@\"/>"
        "<rect x=\"270\" y=\"300\" width=\"260\" height=\"70\" rx=\"16\" fill=\"#000\" fill-opacity=\".3\"/>"
        "<rect x=\"260\" y=\"366\" width=\"280\" height=\"170\" rx=\"40\" fill=\"@\"/>"
        "<rect x=\"300\" y=\"410\" width=\"200\" height=\"80\" rx=\"10\" fill=\"#fff\" fill-opacity=\".75\"/>"
        "<path d=\"M330 450H470\" stroke=\"#000\" stroke-opacity=\".3\" stroke-width=\"6\" stroke-linecap=\"round\"/>"
        "<rect x=\"276\" y=\"384\" width=\"14\" height=\"130\" rx=\"7\" fill=\"#fff\" fill-opacity=\".35\"/>",
    [SH_BOX] = "<rect x=\"230\" y=\"280\" width=\"340\" height=\"260\" rx=\"14\" fill=\"@\"/>"
               "<rect x=\"214\" y=\"240\" width=\"372\" height=\"70\" rx=\"12\" fill=\"@\"/>"
               "<rect x=\"214\" y=\"240\" width=\"372\" height=\"70\" rx=\"12\" fill=\"#000\" fill-opacity=\".15\"/>"
               "<rect x=\"384\" y=\"240\" width=\"32\" height=\"300\" fill=\"#fff\" fill-opacity=\".7\"/>"
               "<path d=\"M400 240Q340 170 330 220Q330 250 400 240Q470 170 470 220Q470 250 400 240Z\" fill=\"#fff\" "
               "fill-opacity=\".85\"/>",
    [SH_LIPSTICK] =
        "<rect x=\"350\" y=\"380\" width=\"100\" height=\"160\" rx=\"8\" fill=\"#2B2B2B\"/>"
        "<rect x=\"362\" y=\"300\" width=\"76\" height=\"86\" rx=\"4\" fill=\"#D9B36C\"/>"
        "<path d=\"M372 300V210Q372 190 392 180L428 160V300Z\" fill=\"@\"/>"
        "<rect x=\"382\" y=\"200\" width=\"10\" height=\"90\" rx=\"5\" fill=\"#fff\" fill-opacity=\".35\"/>"
        "<rect x=\"364\" y=\"396\" width=\"10\" height=\"130\" rx=\"5\" fill=\"#fff\" fill-opacity=\".2\"/>",
    [SH_COMPACT] = "<circle cx=\"400\" cy=\"370\" r=\"175\" fill=\"#2B2B2B\"/>"
                   "<circle cx=\"400\" cy=\"370\" r=\"145\" fill=\"@\"/>"
                   "<circle cx=\"400\" cy=\"370\" r=\"145\" fill=\"none\" stroke=\"#D9B36C\" stroke-width=\"8\"/>"
                   "<path d=\"M300 310Q330 256 392 244\" stroke=\"#fff\" stroke-opacity=\".45\" stroke-width=\"12\" "
                   "fill=\"none\" stroke-linecap=\"round\"/>",
    [SH_BOWL] =
        "<path d=\"M350 240q-20-30 0-60q20-30 0-60M400 230q-20-30 0-60q20-30 0-60M450 240q-20-30 0-60q20-30 0-60\" "
        "stroke=\"#fff\" stroke-opacity=\".7\" stroke-width=\"10\" fill=\"none\" stroke-linecap=\"round\"/>"
        "<ellipse cx=\"400\" cy=\"330\" rx=\"200\" ry=\"44\" fill=\"@\"/>"
        "<path d=\"M200 330A200 190 0 0 0 600 330Z\" fill=\"#fff\" fill-opacity=\".95\"/>"
        "<path d=\"M232 430Q400 480 568 430\" stroke=\"@\" stroke-width=\"10\" fill=\"none\"/>"
        "<rect x=\"340\" y=\"512\" width=\"120\" height=\"24\" rx=\"6\" fill=\"#fff\" fill-opacity=\".95\"/>"
        "<ellipse cx=\"400\" cy=\"330\" rx=\"200\" ry=\"44\" fill=\"none\" stroke=\"#fff\" stroke-width=\"10\"/>",
    [SH_FRUIT] =
        "<circle cx=\"350\" cy=\"390\" r=\"140\" fill=\"@\"/><circle cx=\"450\" cy=\"390\" r=\"140\" fill=\"@\"/>"
        "<path d=\"M400 260Q405 210 430 180\" stroke=\"#5B3A1E\" stroke-width=\"12\" fill=\"none\" "
        "stroke-linecap=\"round\"/>"
        "<path d=\"M412 222Q470 166 532 196Q482 246 412 222Z\" fill=\"#4F8A3C\"/>"
        "<ellipse cx=\"310\" cy=\"350\" rx=\"30\" ry=\"58\" fill=\"#fff\" fill-opacity=\".35\" transform=\"rotate(-20 "
        "310 350)\"/>",
    [SH_LEAF] = "<path d=\"M400 540Q220 460 240 300Q260 170 400 150Q540 170 560 300Q580 460 400 540Z\" fill=\"@\"/>"
                "<path d=\"M400 540V190M400 300L320 240M400 360L300 310M400 420L320 390M400 300L480 240M400 360L500 "
                "310M400 420L480 390\" stroke=\"#fff\" stroke-opacity=\".45\" stroke-width=\"8\" "
                "stroke-linecap=\"round\" fill=\"none\"/>",
    [SH_POT] = "<rect x=\"190\" y=\"320\" width=\"60\" height=\"24\" rx=\"12\" fill=\"#2B2B2B\"/><rect x=\"550\" "
               "y=\"320\" width=\"60\" height=\"24\" rx=\"12\" fill=\"#2B2B2B\"/>"
               "<path d=\"M250 290Q400 220 550 290Z\" fill=\"@\"/>"
               "<path d=\"M250 290Q400 220 550 290Z\" fill=\"#000\" fill-opacity=\".2\"/>"
               "<rect x=\"375\" y=\"230\" width=\"50\" height=\"28\" rx=\"10\" fill=\"#2B2B2B\"/>"
               "<rect x=\"240\" y=\"290\" width=\"320\" height=\"230\" rx=\"30\" fill=\"@\"/>"
               "<rect x=\"240\" y=\"290\" width=\"320\" height=\"20\" fill=\"#000\" fill-opacity=\".12\"/>"
               "<rect x=\"266\" y=\"324\" width=\"18\" height=\"170\" rx=\"9\" fill=\"#fff\" fill-opacity=\".35\"/>",
    [SH_MUG] = "<path d=\"M520 300Q620 300 620 390Q620 480 520 480\" stroke=\"@\" stroke-width=\"34\" fill=\"none\"/>"
               "<rect x=\"260\" y=\"240\" width=\"280\" height=\"300\" rx=\"30\" fill=\"@\"/>"
               "<ellipse cx=\"400\" cy=\"250\" rx=\"136\" ry=\"22\" fill=\"#000\" fill-opacity=\".2\"/>"
               "<rect x=\"288\" y=\"290\" width=\"18\" height=\"210\" rx=\"9\" fill=\"#fff\" fill-opacity=\".3\"/>",
    [SH_BOARD] = "<path d=\"M290 150H510Q540 150 540 180V520Q540 550 510 550H290Q260 550 260 520V180Q260 150 290 "
                 "150Z\" fill=\"@\"/>"
                 "<rect x=\"360\" y=\"180\" width=\"80\" height=\"26\" rx=\"13\" fill=\"#000\" fill-opacity=\".3\"/>"
                 "<path d=\"M300 260Q400 280 500 250M300 340Q400 360 500 330M300 430Q400 450 500 420\" stroke=\"#000\" "
                 "stroke-opacity=\".12\" stroke-width=\"5\" fill=\"none\"/>",
    [SH_LAMP] = "<ellipse cx=\"400\" cy=\"340\" rx=\"170\" ry=\"26\" fill=\"#fff\" fill-opacity=\".5\"/>"
                "<rect x=\"392\" y=\"330\" width=\"16\" height=\"190\" fill=\"#6B4F3A\"/>"
                "<ellipse cx=\"400\" cy=\"522\" rx=\"110\" ry=\"24\" fill=\"#6B4F3A\"/>"
                "<path d=\"M310 170H490L560 330H240Z\" fill=\"@\"/>"
                "<path d=\"M330 190H360L320 310H286Z\" fill=\"#fff\" fill-opacity=\".3\"/>",
    [SH_CANDLE] =
        "<path d=\"M400 170Q432 222 400 252Q368 222 400 170Z\" fill=\"#F6A623\"/>"
        "<path d=\"M400 284V250\" stroke=\"#333\" stroke-width=\"4\"/>"
        "<rect x=\"290\" y=\"270\" width=\"220\" height=\"270\" rx=\"24\" fill=\"@\"/>"
        "<ellipse cx=\"400\" cy=\"292\" rx=\"100\" ry=\"16\" fill=\"#fff\" fill-opacity=\".6\"/>"
        "<rect x=\"320\" y=\"370\" width=\"160\" height=\"90\" rx=\"8\" fill=\"#fff\" fill-opacity=\".8\"/>"
        "<path d=\"M350 415H450\" stroke=\"#000\" stroke-opacity=\".3\" stroke-width=\"6\" stroke-linecap=\"round\"/>",
    [SH_CUSHION] = "<path d=\"M240 220Q400 190 560 220Q590 380 560 540Q400 510 240 540Q210 380 240 220Z\" fill=\"@\"/>"
                   "<path d=\"M262 242Q400 216 538 242Q564 380 538 518Q400 492 262 518Q236 380 262 242Z\" "
                   "fill=\"none\" stroke=\"#fff\" stroke-opacity=\".5\" stroke-width=\"4\" stroke-dasharray=\"10 8\"/>"
                   "<path d=\"M300 300Q400 330 500 300\" stroke=\"#000\" stroke-opacity=\".08\" stroke-width=\"30\" "
                   "fill=\"none\"/>",
    [SH_VASE] =
        "<path d=\"M400 180Q390 110 350 70M400 170Q430 110 470 90M392 140Q360 120 330 124\" stroke=\"#6B4F3A\" "
        "stroke-width=\"6\" fill=\"none\" stroke-linecap=\"round\"/>"
        "<path d=\"M350 170H450V220Q540 280 540 400Q540 520 400 540Q260 520 260 400Q260 280 350 220Z\" fill=\"@\"/>"
        "<rect x=\"344\" y=\"166\" width=\"112\" height=\"16\" rx=\"8\" fill=\"#000\" fill-opacity=\".15\"/>"
        "<path d=\"M300 330Q290 400 310 470\" stroke=\"#fff\" stroke-opacity=\".35\" stroke-width=\"14\" fill=\"none\" "
        "stroke-linecap=\"round\"/>",
};

/* ---- small helpers ------------------------------------------------------------------------ */

/* mkdir -p; BC_OK or BC_ERR. */
static int make_dirs(const char *path)
{
    char tmp[700];
    int rc = BC_ERR;
    if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp)
        goto out;
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
            goto out;
        *p = '/';
    }
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
        goto out;
    rc = BC_OK;
out:
    if (rc != BC_OK)
        bc_log_error("demo", "cannot create %s: %s", path, strerror(errno));
    return rc;
}

/* Writes s with XML special characters escaped. */
static void xml_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

/* Writes an SVG fragment with every '@' replaced by color. */
static void with_color(FILE *f, const char *tpl, const char *color)
{
    for (; *tpl; tpl++) {
        if (*tpl == '@')
            fputs(color, f);
        else
            fputc(*tpl, f);
    }
}

/* Rough rendered width of s in em: Hangul and other multi-byte characters ~1 em, ASCII ~0.56. */
static double text_em(const char *s)
{
    double em = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x80)
            em += *p == ' ' ? 0.3 : 0.56;
        else if ((*p & 0xC0) != 0x80)
            em += 1.0;
    }
    return em;
}

/* Formats KRW with thousands separators: 59000 -> "59,000원". */
static void format_won(int64_t won, char *buf, size_t len)
{
    char digits[32];
    size_t n = (size_t)snprintf(digits, sizeof digits, "%lld", (long long)won), o = 0;
    for (size_t i = 0; i < n && o + 1 < len; i++) {
        if (i > 0 && (n - i) % 3 == 0 && o + 1 < len)
            buf[o++] = ',';
        if (o + 1 < len)
            buf[o++] = digits[i];
    }
    buf[o] = 0;
    snprintf(buf + o, len - o, "원");
}

/* Writes the product image (an 800x800 SVG) to path. BC_OK or BC_ERR. */
static int write_product_svg(const char *path, size_t idx)
{
    const struct demo_product *p = &products[idx];
    const struct demo_cat *leaf = &cats[p->cat], *top = &cats[leaf->parent];
    const struct palette *pal = &palettes[top->palette];
    char price[48];
    int rc = BC_ERR;
    FILE *f = fopen(path, "w");
    if (!f) {
        bc_log_error("demo", "cannot write %s: %s", path, strerror(errno));
        goto out;
    }
    format_won(p->price, price, sizeof price);
    double em = text_em(p->name);
    int size = em * 44 > 704 ? (int)(704 / em) : 44;
    if (size < 26)
        size = 26;
    int cx1 = 560 + (int)(idx * 37 % 180), cy1 = 90 + (int)(idx * 53 % 120);
    int cx2 = 60 + (int)(idx * 29 % 140), cy2 = 420 + (int)(idx * 41 % 120);

    fputs("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"800\" height=\"800\" viewBox=\"0 0 800 800\" role=\"img\" "
          "aria-label=\"",
          f);
    xml_text(f, p->name);
    fputs("\"><title>", f);
    xml_text(f, p->name);
    fprintf(f,
            "</title><defs><linearGradient id=\"bg\" x1=\"0\" y1=\"0\" x2=\"1\" y2=\"1\">"
            "<stop offset=\"0\" stop-color=\"%s\"/><stop offset=\"1\" stop-color=\"%s\"/></linearGradient>"
            "<radialGradient id=\"glow\" cx=\".5\" cy=\".42\" r=\".45\"><stop offset=\"0\" stop-color=\"#fff\" "
            "stop-opacity=\".55\"/>"
            "<stop offset=\"1\" stop-color=\"#fff\" stop-opacity=\"0\"/></radialGradient></defs>"
            "<rect width=\"800\" height=\"800\" fill=\"url(#bg)\"/>"
            "<circle cx=\"%d\" cy=\"%d\" r=\"170\" fill=\"#fff\" fill-opacity=\".16\"/>"
            "<circle cx=\"%d\" cy=\"%d\" r=\"110\" fill=\"#fff\" fill-opacity=\".12\"/>"
            "<rect width=\"800\" height=\"800\" fill=\"url(#glow)\"/>"
            "<text x=\"48\" y=\"72\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"22\" font-weight=\"700\" "
            "letter-spacing=\"6\" fill=\"#fff\" fill-opacity=\".9\">BROADCART</text>"
            "<ellipse cx=\"400\" cy=\"562\" rx=\"200\" ry=\"22\" fill=\"#000\" fill-opacity=\".12\"/>",
            pal->bg1, pal->bg2, cx1, cy1, cx2, cy2);
    with_color(f, shapes[p->shape], p->color);
    fprintf(f,
            "<rect y=\"610\" width=\"800\" height=\"190\" fill=\"#fff\" fill-opacity=\".94\"/>"
            "<g font-family=\"'Noto Sans KR', 'Apple SD Gothic Neo', 'Malgun Gothic', sans-serif\">"
            "<text x=\"48\" y=\"660\" font-size=\"22\" letter-spacing=\"2\" fill=\"%s\">%s · ",
            pal->ink, top->label);
    xml_text(f, leaf->name);
    fprintf(f, "</text><text x=\"48\" y=\"718\" font-size=\"%d\" font-weight=\"700\" fill=\"#222\"%s>", size,
            em * size > 704 ? " textLength=\"704\" lengthAdjust=\"spacingAndGlyphs\"" : "");
    xml_text(f, p->name);
    fprintf(f, "</text><text x=\"48\" y=\"768\" font-size=\"30\" font-weight=\"700\" fill=\"%s\">", pal->ink);
    xml_text(f, price);
    fputs("</text></g></svg>\n", f);
    if (ferror(f)) {
        bc_log_error("demo", "write %s failed", path);
        goto out;
    }
    rc = BC_OK;
out:
    if (f && fclose(f) != 0 && rc == BC_OK) {
        bc_log_error("demo", "close %s: %s", path, strerror(errno));
        rc = BC_ERR;
    }
    return rc;
}

/* Atomically writes {data_dir}/demo-live.env (mode 0600). BC_OK or BC_ERR. */
static int write_live_env(const char *data_dir, int64_t live_id, const char *key)
{
    char path[700], tmp[720], buf[128];
    int fd = -1, rc = BC_ERR;
    snprintf(path, sizeof path, "%s/demo-live.env", data_dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int n = snprintf(buf, sizeof buf, "LIVE_ID=%lld\nSTREAM_KEY=%s\n", (long long)live_id, key);
    if (n < 0 || n >= (int)sizeof buf)
        goto out;
    unlink(tmp);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 || fchmod(fd, 0600) != 0 || write(fd, buf, (size_t)n) != n)
        goto out;
    if (close(fd) != 0) {
        fd = -1;
        goto out;
    }
    fd = -1;
    if (rename(tmp, path) != 0)
        goto out;
    rc = BC_OK;
out:
    if (rc != BC_OK) {
        bc_log_error("demo", "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
    }
    if (fd >= 0)
        close(fd);
    return rc;
}

/* ---- seeding ------------------------------------------------------------------------------ */

/* Returns the id of the category with slug, inserting it when missing. BC_OK or BC_ERR. */
static int ensure_category(bc_db *db, const struct demo_cat *c, int64_t parent_id, int64_t *id)
{
    int rc = bc_db_int(db, id, "SELECT id FROM categories WHERE slug = ?", "t", c->slug);
    if (rc < 0)
        goto out;
    if (rc == 0)
        rc =
            parent_id > 0
                ? bc_db_int(db, id,
                            "INSERT INTO categories (parent_id, name, slug, position) VALUES (?, ?, ?, ?) RETURNING id",
                            "itti", parent_id, c->name, c->slug, (int64_t)c->position)
                : bc_db_int(
                      db, id,
                      "INSERT INTO categories (parent_id, name, slug, position) VALUES (NULL, ?, ?, ?) RETURNING id",
                      "tti", c->name, c->slug, (int64_t)c->position);
out:
    return rc == 1 ? BC_OK : BC_ERR;
}

/* Inserts one product (stock through bc_stock_set so the ledger matches), writes its image and
 * the image rows. BC_OK or BC_ERR. */
static int insert_product(bc_db *db, const char *img_dir, size_t idx, int64_t seller_id, int64_t cat_id,
                          int64_t created_at, int64_t *id)
{
    const struct demo_product *p = &products[idx];
    char url[64], path[800];
    int rc = BC_ERR;
    if (bc_db_int(db, id,
                  "INSERT INTO products (seller_id, category_id, name, description, price, stock, status, created_at, "
                  "updated_at)"
                  " VALUES (?, ?, ?, ?, ?, 0, 'SOLD_OUT', ?, ?) RETURNING id",
                  "iittiii", seller_id, cat_id, p->name, p->desc, (int64_t)p->price, created_at, created_at) != 1)
        goto out;
    if (bc_stock_set(db, *id, p->stock, "initial") != BC_OK)
        goto out;
    snprintf(url, sizeof url, "/media/products/%lld.svg", (long long)*id);
    snprintf(path, sizeof path, "%s/%lld.svg", img_dir, (long long)*id);
    if (write_product_svg(path, idx) != BC_OK)
        goto out;
    if (bc_db_exec(db, "UPDATE products SET image_url = ? WHERE id = ?", "ti", url, *id) != 1)
        goto out;
    if (bc_db_exec(db, "INSERT INTO product_images (product_id, url, position) VALUES (?, ?, 0)", "it", *id, url) != 1)
        goto out;
    rc = BC_OK;
out:
    if (rc != BC_OK)
        bc_log_error("demo", "cannot seed product %s", p->name);
    return rc;
}

/* Creates a SCHEDULED live of seller starting now with the n products (the first pinned) and a
 * fresh stream key, through the live module (its units join the open transaction); the key is
 * read back from it. BC_OK or an error. */
static int create_demo_live(bc_db *db, int64_t seller, const int64_t *product_ids, int n, int64_t *live_id,
                            char key[STREAM_KEY_LEN + 1])
{
    int64_t again = 0;
    int rc = bc_live_create(db, seller, LIVE_TITLE, bc_now_ms(), product_ids, (size_t)n, live_id);
    if (rc == BC_OK && n > 0)
        rc = bc_live_pin(db, *live_id, seller, product_ids[0], NULL);
    if (rc == BC_OK)
        rc = bc_live_first_scheduled(db, seller, &again, key);
    if (rc == BC_OK && again != *live_id)
        rc = BC_ERR; /* cannot happen: the caller found no other SCHEDULED live of the seller */
    return rc;
}

/* Inserts accounts, categories, products and the live inside the open transaction; fills
 * live_id and key. BC_OK or BC_ERR. */
static int seed_all(bc_db *db, const char *img_dir, int64_t *live_id, char key[STREAM_KEY_LEN + 1])
{
    int64_t seller = 0, buyer = 0, admin = 0, cat_ids[C_COUNT] = {0}, live_products[3] = {0}, now = bc_now_ms();
    int rc = BC_ERR;
    if (bc_accounts_create_user(db, SELLER_EMAIL, "seller1234", "Broadcart Demo Store", "seller", &seller) != BC_OK ||
        bc_accounts_create_user(db, "buyer@broadcart.local", "buyer1234", "김민지", "buyer", &buyer) != BC_OK ||
        bc_accounts_create_user(db, "admin@broadcart.local", "admin1234", "Admin", "admin", &admin) != BC_OK) {
        bc_log_error("demo", "cannot create the demo accounts");
        goto out;
    }
    for (int i = 0; i < C_COUNT; i++) {
        int64_t parent = cats[i].parent >= 0 ? cat_ids[cats[i].parent] : 0;
        if (ensure_category(db, &cats[i], parent, &cat_ids[i]) != BC_OK)
            goto out;
    }
    for (size_t i = 0; i < N_PRODUCTS; i++) {
        int64_t id = 0;
        /* the first product is the newest, so the live's products lead "newest first" lists */
        if (insert_product(db, img_dir, i, seller, cat_ids[products[i].cat], now - (int64_t)i * 60000, &id) != BC_OK)
            goto out;
        if (i < 3)
            live_products[i] = id;
    }
    rc = create_demo_live(db, seller, live_products, 3, live_id, key);
out:
    return rc;
}

/* On an already seeded database: finds the demo seller's first SCHEDULED live, or — when every
 * demo live has been on air already (publishing ends a live) — schedules a new one with the
 * seller's first three products on sale, so the demo publisher works on every start. Inside
 * the open transaction. Returns 1 (live_id and key set), 0 (no demo seller) or BC_ERR. */
static int rearm_demo_live(bc_db *db, int64_t *live_id, char key[STREAM_KEY_LEN + 1])
{
    json_t *rows = NULL;
    int64_t seller = 0, ids[3] = {0};
    int role = 0, blocked = 0;
    int rc = bc_accounts_find_id(db, SELLER_EMAIL, &seller); /* the accounts module owns users */
    if (rc == BC_OK)
        rc = bc_accounts_status(db, seller, &role, &blocked);
    if (rc == BC_ENOTFOUND || (rc == BC_OK && role != BC_ROLE_SELLER)) {
        rc = 0;
        goto out;
    }
    if (rc != BC_OK)
        goto out;
    rc = bc_live_first_scheduled(db, seller, live_id, key);
    if (rc == BC_OK) {
        bc_log_info("demo", "database already seeded; demo live %lld", (long long)*live_id);
        rc = 1;
        goto out;
    }
    if (rc != BC_ENOTFOUND)
        goto out;
    int n = bc_db_rows(
        db, &rows,
        "SELECT id FROM products WHERE seller_id = ? AND deleted = 0 AND status = 'ON_SALE' ORDER BY id LIMIT 3", "i",
        seller);
    if (n < 0) {
        rc = BC_ERR;
        goto out;
    }
    for (int i = 0; i < n && i < 3; i++)
        ids[i] = json_integer_value(json_object_get(json_array_get(rows, (size_t)i), "id"));
    rc = create_demo_live(db, seller, ids, n < 3 ? n : 3, live_id, key) == BC_OK ? 1 : BC_ERR;
    if (rc == 1)
        bc_log_info("demo", "the demo lives have all been on air; scheduled a new demo live %lld", (long long)*live_id);
out:
    json_decref(rows);
    return rc < 0 ? BC_ERR : rc;
}

typedef struct seed_args {
    const char *img_dir, *env_path;
    int64_t live_id;              /* out */
    char key[STREAM_KEY_LEN + 1]; /* out: the demo live's stream key, "" when none */
    int seeded;                   /* out: 1 seeded, 0 re-armed, -1 nothing to do (no demo seller) */
} seed_args;

/* The unit of work of bc_demo_seed, run by bc_db_tx (from scratch on each try). The seeding lock
 * makes a second instance starting on the same PostgreSQL database wait, then find the users. */
static int seed_tx(bc_db *db, void *arg)
{
    seed_args *a = arg;
    int64_t users = 0;
    int rc;
    a->live_id = 0;
    a->seeded = 0;
    sodium_memzero(a->key, sizeof a->key);
    if ((rc = bc_db_lock(db, BC_DB_LOCK_SEED, 0)) != BC_OK)
        return rc;
    if ((rc = bc_db_int(db, &users, "SELECT COUNT(*) FROM users", "")) != 1)
        return rc < 0 ? rc : BC_ERR;
    if (users == 0) {
        if ((rc = seed_all(db, a->img_dir, &a->live_id, a->key)) != BC_OK)
            return rc;
        a->seeded = 1;
        return BC_OK;
    }
    int found = rearm_demo_live(db, &a->live_id, a->key);
    if (found < 0)
        return found;
    a->seeded = found == 0 ? -1 : 0;
    return BC_OK;
}

int bc_demo_seed(bc_db *db, const char *data_dir, int64_t *live_id)
{
    char img_dir[700], env_path[700];
    seed_args a = {img_dir, env_path, 0, "", 0};
    int rc = BC_ERR;
    *live_id = 0;
    snprintf(img_dir, sizeof img_dir, "%s/media/products", data_dir);
    snprintf(env_path, sizeof env_path, "%s/demo-live.env", data_dir);
    if (make_dirs(img_dir) != BC_OK)
        goto out;
    if (bc_db_tx(db, seed_tx, &a) != BC_OK)
        goto out;
    if (a.seeded == 1)
        bc_log_info("demo", "seeded demo data: 3 accounts, %d categories, %zu products, live %lld", (int)C_COUNT,
                    N_PRODUCTS, (long long)a.live_id);
    if (a.seeded < 0) {
        unlink(env_path); /* a stale key would only be refused */
        bc_log_info("demo", "database has users but no demo seller; not seeding");
        rc = BC_OK;
        goto out;
    }
    *live_id = a.live_id;
    rc = write_live_env(data_dir, a.live_id, a.key);
out:
    if (rc != BC_OK) {
        *live_id = 0;
        bc_log_error("demo", "demo seeding failed");
    }
    sodium_memzero(a.key, sizeof a.key);
    return rc;
}
