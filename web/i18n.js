// UI text. Korean by default; English through the header switch (persisted in localStorage).
const KEY = 'bc.lang';

const dict = {
  ko: {
    'nav.lives': '라이브', 'nav.shop': '쇼핑', 'nav.cart': '장바구니', 'nav.orders': '주문내역',
    'nav.studio': '스튜디오', 'nav.login': '로그인', 'nav.signup': '회원가입', 'nav.logout': '로그아웃',
    'lang.switch': 'EN',
    'home.liveNow': '라이브 중', 'home.upcoming': '예정', 'home.noLives': '진행 중이거나 예정된 라이브가 없습니다', 'home.noLiveNow': '지금 방송 중인 라이브가 없습니다', 'home.noUpcoming': '예정된 라이브가 없습니다',
    'home.products': '상품', 'home.search': '상품 검색', 'home.allCategories': '전체',
    'sort.newest': '최신순', 'sort.name': '이름순', 'sort.price_asc': '낮은 가격순', 'sort.price_desc': '높은 가격순', 'sort.popular': '인기순',
    'empty.products': '상품이 없습니다', 'page.prev': '이전', 'page.next': '다음',
    'error.network': '네트워크 오류가 발생했습니다', 'error.generic': '문제가 발생했습니다', 'retry': '다시 시도',
    'error.notFound': '페이지를 찾을 수 없습니다', 'home.goHome': '홈으로',
    'loading': '불러오는 중…',
    'live.badge': 'LIVE', 'live.upcoming': '방송 예정', 'live.startsAt': '{time} 시작 예정',
    'live.ended': '방송이 종료되었습니다', 'live.viewers': '{n}명 시청 중', 'live.waiting': '방송 연결 중…',
    'live.unmute': '소리 켜기', 'live.loginToChat': '로그인하고 채팅하기', 'live.chatPlaceholder': '채팅을 입력하세요',
    'live.send': '전송', 'live.seller': '판매자', 'live.buy': '구매하기', 'live.products': '방송 상품',
    'live.noPinned': '고정된 상품이 없습니다', 'live.reconnecting': '채팅 재연결 중…', 'live.notFound': '라이브를 찾을 수 없습니다',
    'live.chatEmpty': '첫 채팅을 남겨보세요',
    'buy.title': '주문하기', 'buy.qty': '수량', 'buy.shipping': '배송지', 'buy.recipient': '받는 분',
    'buy.phone': '연락처', 'buy.postcode': '우편번호', 'buy.address1': '주소', 'buy.address2': '상세주소 (선택)',
    'buy.subtotal': '상품 금액', 'buy.shippingFee': '배송비', 'buy.free': '무료', 'buy.total': '총 결제금액',
    'buy.checkout': '결제하기', 'buy.soldOut': '품절 / Sold out', 'buy.processing': '처리 중…',
    'buy.loginRequired': '구매하려면 로그인하세요', 'buy.invalid': '배송지 정보를 확인해 주세요', 'buy.close': '닫기',
    'buy.stock': '재고 {n}개', 'buy.addToCart': '장바구니 담기', 'buy.buyNow': '바로 구매', 'buy.added': '장바구니에 담았습니다',
    'pay.confirming': '결제를 승인하는 중…', 'pay.complete': '주문 완료', 'pay.completeSub': '주문이 정상적으로 완료되었습니다',
    'pay.orderNo': '주문번호', 'pay.failed': '결제 실패', 'pay.canceled': '결제가 취소되었습니다',
    'pay.viewOrders': '주문내역 보기', 'pay.continue': '쇼핑 계속하기',
    'pay.AMOUNT_MISMATCH': '결제 금액이 주문 금액과 일치하지 않습니다', 'pay.PAYMENT_DECLINED': '결제가 거절되었습니다',
    'pay.ORDER_EXPIRED': '주문 유효시간이 지나 결제할 수 없습니다', 'pay.PAY_PROCESS_CANCELED': '결제가 취소되었습니다',
    'cart.title': '장바구니', 'cart.empty': '장바구니가 비어 있습니다', 'cart.remove': '삭제', 'cart.order': '주문하기',
    'checkout.title': '주문/결제', 'checkout.items': '주문 상품',
    'orders.title': '주문내역', 'orders.empty': '주문 내역이 없습니다', 'orders.detail': '주문 상세',
    'orders.cancel': '주문 취소', 'orders.cancelConfirm': '주문을 취소할까요?', 'orders.canceled': '주문이 취소되었습니다',
    'orders.lines': '주문 상품', 'orders.address': '배송지', 'orders.payment': '결제 정보', 'orders.date': '주문일시',
    'orders.payNow': '결제하기',
    'orders.shipping': '배송 정보', 'orders.stepPaid': '결제 완료', 'orders.stepShipped': '발송', 'orders.stepDelivered': '배송 완료',
    'orders.carrier': '택배사', 'orders.trackingNumber': '송장번호', 'orders.preparing': '판매자가 상품을 준비하고 있습니다',
    'studio.fulfilment': '배송', 'studio.carrier': '택배사', 'studio.trackingNumber': '송장번호', 'studio.ship': '발송 처리',
    'studio.shipped': '발송 처리되었습니다', 'studio.markDelivered': '배송 완료', 'studio.deliveredDone': '배송 완료로 변경했습니다',
    'studio.shipMissing': '택배사와 송장번호를 입력하세요',
    'studio.ORDER_NOT_SHIPPABLE': '결제 완료 상태의 주문만 발송할 수 있습니다', 'studio.ORDER_NOT_DELIVERABLE': '발송된 주문만 배송 완료로 바꿀 수 있습니다',
    'studio.images': '상품 이미지', 'studio.addImage': '이미지 추가', 'studio.uploading': '업로드 중…', 'studio.mainImage': '대표',
    'studio.removeImage': '이미지 삭제', 'studio.imageHint': 'JPEG, PNG, WebP · 최대 5MB · 가로/세로 8000px 이하',
    'studio.tooManyImages': '이미지는 최대 10장입니다',
    'studio.UNSUPPORTED_MEDIA_TYPE': 'JPEG, PNG, WebP 이미지만 올릴 수 있습니다', 'studio.PAYLOAD_TOO_LARGE': '파일이 너무 큽니다 (최대 5MB)',
    'studio.INVALID_IMAGE': '손상된 이미지 파일입니다', 'studio.INVALID_IMAGE_DIMENSIONS': '이미지 크기는 가로/세로 1~8000px이어야 합니다',
    'status.PENDING_PAYMENT': '결제 대기', 'status.PAID': '결제 완료', 'status.SHIPPED': '배송 중',
    'status.DELIVERED': '배송 완료', 'status.CANCELED': '취소됨', 'status.EXPIRED': '기간 만료',
    'status.ON_SALE': '판매 중', 'status.SOLD_OUT': '품절', 'status.HIDDEN': '숨김',
    'status.SCHEDULED': '예정', 'status.LIVE': 'LIVE', 'status.ENDED': '종료',
    'auth.login': '로그인', 'auth.signup': '회원가입', 'auth.email': '이메일', 'auth.password': '비밀번호',
    'auth.name': '이름', 'auth.noAccount': '계정이 없으신가요?', 'auth.haveAccount': '이미 계정이 있으신가요?',
    'auth.INVALID_CREDENTIALS': '이메일 또는 비밀번호가 올바르지 않습니다', 'auth.EMAIL_TAKEN': '이미 가입된 이메일입니다',
    'auth.WEAK_PASSWORD': '비밀번호는 8~128자이며 영문과 숫자를 포함해야 합니다', 'auth.INVALID_EMAIL': '올바른 이메일 주소를 입력하세요',
    'auth.pwHint': '8자 이상, 영문과 숫자 포함', 'auth.demo': '데모 계정',
    'studio.title': '셀러 스튜디오', 'studio.products': '상품 관리', 'studio.lives': '라이브', 'studio.orders': '주문 관리',
    'studio.newProduct': '상품 등록', 'studio.editProduct': '상품 수정', 'studio.save': '저장', 'studio.cancel': '취소',
    'studio.name': '상품명', 'studio.description': '설명', 'studio.price': '가격 (원)', 'studio.stock': '재고',
    'studio.category': '카테고리', 'studio.imageUrl': '이미지 URL', 'studio.status': '상태', 'studio.edit': '수정',
    'studio.saved': '저장되었습니다', 'studio.newLive': '라이브 예약', 'studio.liveTitle': '방송 제목',
    'studio.scheduledAt': '방송 시간', 'studio.pickProducts': '판매 상품 선택', 'studio.schedule': '예약하기',
    'studio.noLives': '예약된 라이브가 없습니다', 'studio.obs': 'OBS 방송 설정', 'studio.server': '서버',
    'studio.streamKey': '스트림 키', 'studio.copy': '복사', 'studio.copied': '복사했습니다',
    'studio.obsHint': '키프레임 간격 1초, H.264 + AAC', 'studio.preview': '미리보기', 'studio.chat': '채팅',
    'studio.pin': '고정', 'studio.pinned': '고정됨', 'studio.unpin': '고정 해제', 'studio.open': '열기',
    'studio.noOrders': '들어온 주문이 없습니다', 'studio.autoRefresh': '10초마다 자동 새로고침',
    'studio.sellerOnly': '판매자 계정만 이용할 수 있습니다', 'studio.viewPage': '시청 페이지',
    'studio.buyer': '구매자', 'studio.amount': '금액', 'studio.none': '없음', 'studio.pinnedNow': '현재 고정 상품', 'studio.pickOne': '상품을 1개 이상 선택하세요', 'studio.end': '방송 종료',
    'product.seller': '판매자', 'product.notFound': '상품을 찾을 수 없습니다', 'product.description': '상품 설명',
  },
  en: {
    'nav.lives': 'Live', 'nav.shop': 'Shop', 'nav.cart': 'Cart', 'nav.orders': 'Orders',
    'nav.studio': 'Studio', 'nav.login': 'Log in', 'nav.signup': 'Sign up', 'nav.logout': 'Log out',
    'lang.switch': '한국어',
    'home.liveNow': 'Live now', 'home.upcoming': 'Upcoming', 'home.noLives': 'No live or upcoming shows', 'home.noLiveNow': 'Nobody is live right now', 'home.noUpcoming': 'No upcoming lives',
    'home.products': 'Products', 'home.search': 'Search products', 'home.allCategories': 'All',
    'sort.newest': 'Newest', 'sort.name': 'Name', 'sort.price_asc': 'Price: low to high', 'sort.price_desc': 'Price: high to low', 'sort.popular': 'Popular',
    'empty.products': 'No products', 'page.prev': 'Previous', 'page.next': 'Next',
    'error.network': 'Network error', 'error.generic': 'Something went wrong', 'retry': 'Retry',
    'error.notFound': 'Page not found', 'home.goHome': 'Home',
    'loading': 'Loading…',
    'live.badge': 'LIVE', 'live.upcoming': 'Upcoming', 'live.startsAt': 'Starts {time}',
    'live.ended': 'Live ended', 'live.viewers': '{n} watching', 'live.waiting': 'Connecting to the stream…',
    'live.unmute': 'Unmute', 'live.loginToChat': 'Log in to chat', 'live.chatPlaceholder': 'Say something',
    'live.send': 'Send', 'live.seller': 'Seller', 'live.buy': 'Buy', 'live.products': 'Products in this live',
    'live.noPinned': 'No pinned product', 'live.reconnecting': 'Reconnecting chat…', 'live.notFound': 'Live not found',
    'live.chatEmpty': 'Be the first to chat',
    'buy.title': 'Order', 'buy.qty': 'Quantity', 'buy.shipping': 'Shipping address', 'buy.recipient': 'Recipient',
    'buy.phone': 'Phone', 'buy.postcode': 'Postcode', 'buy.address1': 'Address', 'buy.address2': 'Address line 2 (optional)',
    'buy.subtotal': 'Subtotal', 'buy.shippingFee': 'Shipping', 'buy.free': 'Free', 'buy.total': 'Total',
    'buy.checkout': 'Pay now', 'buy.soldOut': '품절 / Sold out', 'buy.processing': 'Processing…',
    'buy.loginRequired': 'Log in to buy', 'buy.invalid': 'Please check the shipping address', 'buy.close': 'Close',
    'buy.stock': '{n} in stock', 'buy.addToCart': 'Add to cart', 'buy.buyNow': 'Buy now', 'buy.added': 'Added to cart',
    'pay.confirming': 'Confirming payment…', 'pay.complete': 'Order complete', 'pay.completeSub': 'Your order has been placed',
    'pay.orderNo': 'Order number', 'pay.failed': 'Payment failed', 'pay.canceled': 'Payment was canceled',
    'pay.viewOrders': 'View orders', 'pay.continue': 'Continue shopping',
    'pay.AMOUNT_MISMATCH': 'The paid amount does not match the order', 'pay.PAYMENT_DECLINED': 'The payment was declined',
    'pay.ORDER_EXPIRED': 'The order expired before payment', 'pay.PAY_PROCESS_CANCELED': 'Payment was canceled',
    'cart.title': 'Cart', 'cart.empty': 'Your cart is empty', 'cart.remove': 'Remove', 'cart.order': 'Check out',
    'checkout.title': 'Checkout', 'checkout.items': 'Items',
    'orders.title': 'My orders', 'orders.empty': 'No orders yet', 'orders.detail': 'Order details',
    'orders.cancel': 'Cancel order', 'orders.cancelConfirm': 'Cancel this order?', 'orders.canceled': 'Order canceled',
    'orders.lines': 'Items', 'orders.address': 'Shipping address', 'orders.payment': 'Payment', 'orders.date': 'Ordered',
    'orders.payNow': 'Pay now',
    'orders.shipping': 'Delivery', 'orders.stepPaid': 'Paid', 'orders.stepShipped': 'Shipped', 'orders.stepDelivered': 'Delivered',
    'orders.carrier': 'Carrier', 'orders.trackingNumber': 'Tracking no.', 'orders.preparing': 'The seller is preparing your order',
    'studio.fulfilment': 'Shipping', 'studio.carrier': 'Carrier', 'studio.trackingNumber': 'Tracking number', 'studio.ship': 'Ship',
    'studio.shipped': 'Marked as shipped', 'studio.markDelivered': 'Delivered', 'studio.deliveredDone': 'Marked as delivered',
    'studio.shipMissing': 'Enter the carrier and the tracking number',
    'studio.ORDER_NOT_SHIPPABLE': 'Only paid orders can be shipped', 'studio.ORDER_NOT_DELIVERABLE': 'Only shipped orders can be marked delivered',
    'studio.images': 'Images', 'studio.addImage': 'Add image', 'studio.uploading': 'Uploading…', 'studio.mainImage': 'Main',
    'studio.removeImage': 'Remove image', 'studio.imageHint': 'JPEG, PNG or WebP · up to 5 MB · at most 8000 px per side',
    'studio.tooManyImages': 'At most 10 images',
    'studio.UNSUPPORTED_MEDIA_TYPE': 'Only JPEG, PNG and WebP images can be uploaded', 'studio.PAYLOAD_TOO_LARGE': 'The file is too large (max 5 MB)',
    'studio.INVALID_IMAGE': 'The image file is damaged', 'studio.INVALID_IMAGE_DIMENSIONS': 'Images must be 1 to 8000 px per side',
    'status.PENDING_PAYMENT': 'Awaiting payment', 'status.PAID': 'Paid', 'status.SHIPPED': 'Shipped',
    'status.DELIVERED': 'Delivered', 'status.CANCELED': 'Canceled', 'status.EXPIRED': 'Expired',
    'status.ON_SALE': 'On sale', 'status.SOLD_OUT': 'Sold out', 'status.HIDDEN': 'Hidden',
    'status.SCHEDULED': 'Scheduled', 'status.LIVE': 'LIVE', 'status.ENDED': 'Ended',
    'auth.login': 'Log in', 'auth.signup': 'Sign up', 'auth.email': 'E-mail', 'auth.password': 'Password',
    'auth.name': 'Name', 'auth.noAccount': 'No account yet?', 'auth.haveAccount': 'Already have an account?',
    'auth.INVALID_CREDENTIALS': 'Wrong e-mail or password', 'auth.EMAIL_TAKEN': 'This e-mail is already registered',
    'auth.WEAK_PASSWORD': 'Passwords need 8–128 characters with a letter and a digit', 'auth.INVALID_EMAIL': 'Enter a valid e-mail address',
    'auth.pwHint': '8+ characters with a letter and a digit', 'auth.demo': 'Demo accounts',
    'studio.title': 'Seller studio', 'studio.products': 'Products', 'studio.lives': 'Lives', 'studio.orders': 'Orders',
    'studio.newProduct': 'New product', 'studio.editProduct': 'Edit product', 'studio.save': 'Save', 'studio.cancel': 'Cancel',
    'studio.name': 'Name', 'studio.description': 'Description', 'studio.price': 'Price (KRW)', 'studio.stock': 'Stock',
    'studio.category': 'Category', 'studio.imageUrl': 'Image URL', 'studio.status': 'Status', 'studio.edit': 'Edit',
    'studio.saved': 'Saved', 'studio.newLive': 'Schedule a live', 'studio.liveTitle': 'Title',
    'studio.scheduledAt': 'Starts at', 'studio.pickProducts': 'Products to sell', 'studio.schedule': 'Schedule',
    'studio.noLives': 'No lives yet', 'studio.obs': 'OBS settings', 'studio.server': 'Server',
    'studio.streamKey': 'Stream key', 'studio.copy': 'Copy', 'studio.copied': 'Copied',
    'studio.obsHint': 'Keyframe interval 1 s, H.264 + AAC (키프레임 간격 1초, H.264 + AAC)', 'studio.preview': 'Preview', 'studio.chat': 'Chat',
    'studio.pin': 'Pin', 'studio.pinned': 'Pinned', 'studio.unpin': 'Unpin', 'studio.open': 'Open',
    'studio.noOrders': 'No orders yet', 'studio.autoRefresh': 'Refreshes every 10 s',
    'studio.sellerOnly': 'Only seller accounts can use the studio', 'studio.viewPage': 'Viewer page',
    'studio.buyer': 'Buyer', 'studio.amount': 'Amount', 'studio.none': 'None', 'studio.pinnedNow': 'Pinned now', 'studio.pickOne': 'Pick at least one product', 'studio.end': 'End live',
    'product.seller': 'Seller', 'product.notFound': 'Product not found', 'product.description': 'Description',
  },
};

export function getLang() {
  try { return localStorage.getItem(KEY) === 'en' ? 'en' : 'ko'; } catch { return 'ko'; }
}

export function setLang(lang) {
  try { localStorage.setItem(KEY, lang === 'en' ? 'en' : 'ko'); } catch { /* private mode */ }
  document.documentElement.lang = getLang();
}

export function t(key, vars) {
  const lang = getLang();
  let s = dict[lang][key] ?? dict.ko[key] ?? key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (_, k) => (vars[k] ?? ''));
  return s;
}

// Message for an API error: a translated text for known codes (with the given prefix), else the server's message.
export function errorText(err, prefix = '') {
  if (!err) return t('error.generic');
  if (err.code === 'NETWORK') return t('error.network');
  for (const p of [prefix, 'auth.', 'pay.']) {
    if (p && dict.ko[p + err.code]) return t(p + err.code);
  }
  return err.message || t('error.generic');
}
