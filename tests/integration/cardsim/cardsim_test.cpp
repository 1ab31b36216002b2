// Behaviour of certwiz-cardsim as a PKCS#11 application sees it: a token that
// comes and goes with the card, HiCOS identity, a PIN counter that locks and
// survives processes, injected faults, and real signatures through SoftHSM2.
//
// Runs inside the lab (CARDSIM_CONFIG, SOFTHSM2_CONF, CERTWIZ_LAB_DIR from its
// environment) or inside tests/integration/cardsim/cardsim-fixture.
#include <dlfcn.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>
#include <p11-kit/pkcs11.h>

namespace {

namespace fs = std::filesystem;

// ---- the card under test, from the environment -----------------------------

std::string env_or(const char* name, const std::string& fallback) {
    const char* v = std::getenv(name);
    return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

struct CardUnderTest {
    std::string name;
    std::string reader;
    std::string serial;
    std::string pin;
    std::string state_dir;
    std::string card_cmd;  // "<cmd> insert|remove <name>"
    std::string problem;   // why the environment is unusable, if it is
};

// The lab publishes its cards' PINs in CERTWIZ_LAB_CARDS (a JSON file or text);
// the private fixture in CARDSIM_TEST_PIN.
std::string lab_pin(const std::string& card) {
    const std::string cards = env_or("CERTWIZ_LAB_CARDS", "");
    if (cards.empty()) return "";
    nlohmann::json j;
    if (fs::exists(cards)) {
        std::ifstream in(cards);
        j = nlohmann::json::parse(in, nullptr, false);
    } else {
        j = nlohmann::json::parse(cards, nullptr, false);
    }
    if (j.is_discarded()) return "";
    const nlohmann::json* c = nullptr;
    if (j.contains("cards") && j["cards"].contains(card)) c = &j["cards"][card];
    else if (j.contains(card)) c = &j[card];
    if (c == nullptr || !c->is_object()) return "";
    for (const char* key : {"user_pin", "pin"})
        if (c->contains(key) && (*c)[key].is_string()) return (*c)[key].get<std::string>();
    return "";
}

CardUnderTest load_card() {
    CardUnderTest c;
    c.name = env_or("CARDSIM_TEST_CARD", "citizen");
    const std::string config = env_or("CARDSIM_CONFIG", "");
    if (config.empty()) {
        c.problem = "CARDSIM_CONFIG is not set (run inside the lab or cardsim-fixture)";
        return c;
    }
    std::ifstream in(config);
    const auto j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_discarded()) {
        c.problem = "cannot parse " + config;
        return c;
    }
    c.state_dir = j.value("state_dir", "");
    for (const auto& r : j.value("readers", nlohmann::json::array()))
        if (r.value("card", "") == c.name) {
            c.reader = r.value("reader", "");
            c.serial = r.value("serial", "");
        }
    if (c.reader.empty()) c.problem = "no reader for card " + c.name + " in " + config;
    c.pin = env_or("CARDSIM_TEST_PIN", lab_pin(c.name));
    if (c.pin.empty()) c.problem = "no PIN for card " + c.name;
    c.card_cmd = env_or("CARDSIM_CARD_CMD", "");
    if (c.card_cmd.empty() && !env_or("CERTWIZ_LAB_DIR", "").empty())
        c.card_cmd = std::string(CERTWIZ_LAB_SCRIPT) + " card";
    return c;
}

const CardUnderTest& card() {
    static const CardUnderTest c = load_card();
    return c;
}

bool move_card(const char* action) {
    const std::string cmd = card().card_cmd + " " + action + " " + card().name + " >/dev/null";
    return std::system(cmd.c_str()) == 0;
}

// ---- the module -----------------------------------------------------------

CK_FUNCTION_LIST_PTR load_module() {
    void* dl = dlopen(CARDSIM_MODULE_PATH, RTLD_NOW | RTLD_LOCAL);
    if (dl == nullptr) return nullptr;
    auto get = reinterpret_cast<CK_C_GetFunctionList>(dlsym(dl, "C_GetFunctionList"));
    CK_FUNCTION_LIST_PTR f = nullptr;
    if (get == nullptr || get(&f) != CKR_OK) return nullptr;
    return f;  // stays loaded for the whole process
}

CK_FUNCTION_LIST_PTR p11() {
    static CK_FUNCTION_LIST_PTR f = load_module();
    return f;
}

std::string field(const unsigned char* p, std::size_t n) {
    std::string s(reinterpret_cast<const char*>(p), n);
    return s.erase(s.find_last_not_of(' ') + 1);
}

struct PinFile {
    int tries_left = 3;
    long logins = 0;
    long pin_verifications = 0;
};

fs::path state_file() { return fs::path(card().state_dir) / (card().name + ".json"); }

PinFile read_pin_file() {
    PinFile p;
    std::ifstream in(state_file());
    if (!in) return p;
    const auto j = nlohmann::json::parse(in);
    p.tries_left = j.value("tries_left", 3);
    p.logins = j.value("logins", 0L);
    p.pin_verifications = j.value("pin_verifications", 0L);
    return p;
}

constexpr CK_FLAGS kPinFlags = CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED;
const std::string kWrongPin = "000000";

class Cardsim : public ::testing::Test {
protected:
    void SetUp() override {
        if (!card().problem.empty()) GTEST_SKIP() << card().problem;
        ASSERT_NE(p11(), nullptr) << "cannot load " << CARDSIM_MODULE_PATH << ": " << dlerror();
        ::unsetenv("CARDSIM_FAULT");
        fs::remove(state_file());  // a fresh card: 3 tries
        ASSERT_EQ(init(), CKR_OK);
        slot_ = find_slot();
        ASSERT_TRUE(slot_.has_value()) << "no slot for reader " << card().reader;
    }
    void TearDown() override {
        if (initialized_) p11()->C_Finalize(nullptr);
        ::unsetenv("CARDSIM_FAULT");
        if (!card().problem.empty()) return;
        fs::remove(state_file());
    }

    CK_RV init() {
        CK_C_INITIALIZE_ARGS args{};
        args.flags = CKF_OS_LOCKING_OK;
        const CK_RV rv = p11()->C_Initialize(&args);
        initialized_ = rv == CKR_OK;
        return rv;
    }
    void finalize() {
        ASSERT_EQ(p11()->C_Finalize(nullptr), CKR_OK);
        initialized_ = false;
    }
    // Restarts the module, e.g. to pick up CARDSIM_FAULT.
    void reinit() {
        finalize();
        ASSERT_EQ(init(), CKR_OK);
    }

    std::optional<CK_SLOT_ID> find_slot() {
        CK_ULONG n = 0;
        if (p11()->C_GetSlotList(CK_FALSE, nullptr, &n) != CKR_OK) return std::nullopt;
        std::vector<CK_SLOT_ID> ids(n);
        if (p11()->C_GetSlotList(CK_FALSE, ids.data(), &n) != CKR_OK) return std::nullopt;
        for (CK_SLOT_ID id : ids) {
            CK_SLOT_INFO si{};
            if (p11()->C_GetSlotInfo(id, &si) == CKR_OK &&
                field(si.slotDescription, sizeof si.slotDescription) == card().reader)
                return id;
        }
        return std::nullopt;
    }
    std::vector<CK_SLOT_ID> slots_with_token() {
        CK_ULONG n = 0;
        EXPECT_EQ(p11()->C_GetSlotList(CK_TRUE, nullptr, &n), CKR_OK);
        std::vector<CK_SLOT_ID> ids(n);
        EXPECT_EQ(p11()->C_GetSlotList(CK_TRUE, ids.data(), &n), CKR_OK);
        ids.resize(n);
        return ids;
    }
    CK_FLAGS pin_flags() {
        CK_TOKEN_INFO ti{};
        EXPECT_EQ(p11()->C_GetTokenInfo(*slot_, &ti), CKR_OK);
        return ti.flags & kPinFlags;
    }
    CK_SESSION_HANDLE open() {
        CK_SESSION_HANDLE h = 0;
        EXPECT_EQ(p11()->C_OpenSession(*slot_, CKF_SERIAL_SESSION, nullptr, nullptr, &h), CKR_OK);
        return h;
    }
    CK_RV login(CK_SESSION_HANDLE h, const std::string& pin) {
        auto* p = reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(pin.data()));
        return p11()->C_Login(h, CKU_USER, p, pin.size());
    }
    CK_OBJECT_HANDLE find(CK_SESSION_HANDLE h, CK_OBJECT_CLASS cls) {
        unsigned char id[] = {0x53, 0x49, 0x47, 0x4e};  // "SIGN"
        CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_ID, id, sizeof id}};
        CK_OBJECT_HANDLE o = CK_INVALID_HANDLE;
        CK_ULONG n = 0;
        if (p11()->C_FindObjectsInit(h, t, 2) != CKR_OK) return CK_INVALID_HANDLE;
        if (p11()->C_FindObjects(h, &o, 1, &n) != CKR_OK || n == 0) o = CK_INVALID_HANDLE;
        p11()->C_FindObjectsFinal(h);
        return o;
    }

    std::optional<CK_SLOT_ID> slot_;
    bool initialized_ = false;
};

// Runs `child` in a fork()ed process (the parent's module finalized first, as
// PKCS#11 asks) and returns its wait status.
template <class F>
int wait_status_of_child(F&& child) {
    const pid_t pid = fork();
    if (pid == 0) {
        int code = 99;
        try {
            code = child();
        } catch (...) {
        }
        _exit(code);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return status;
}

// In a child: the whole way from C_Initialize to a logged-in session on the card.
std::optional<CK_SESSION_HANDLE> child_login(CK_SLOT_ID slot, const std::string& pin, CK_RV* login_rv = nullptr) {
    CK_FUNCTION_LIST_PTR f = p11();
    if (f->C_Initialize(nullptr) != CKR_OK) return std::nullopt;
    CK_SESSION_HANDLE h = 0;
    if (f->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &h) != CKR_OK) return std::nullopt;
    const CK_RV rv = f->C_Login(h, CKU_USER, reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(pin.data())),
                                pin.size());
    if (login_rv) *login_rv = rv;
    return h;
}

// ---- module identity ---------------------------------------------------------

TEST_F(Cardsim, FunctionListIsCompleteAndNamesTheSimulator) {
    auto** fn = reinterpret_cast<void**>(&p11()->C_Initialize);
    const std::size_t count = (sizeof(CK_FUNCTION_LIST) - sizeof(CK_VERSION)) / sizeof(void*);
    EXPECT_EQ(count, 68u);
    for (std::size_t i = 0; i < count; ++i) EXPECT_NE(fn[i], nullptr) << "entry " << i;
    EXPECT_EQ(p11()->version.major, 2);
    EXPECT_EQ(p11()->version.minor, 40);

    CK_INFO info{};
    ASSERT_EQ(p11()->C_GetInfo(&info), CKR_OK);
    EXPECT_EQ(field(info.libraryDescription, sizeof info.libraryDescription), "CertWiz card simulator");
    EXPECT_EQ(field(info.manufacturerID, sizeof info.manufacturerID), "CertWiz");

    EXPECT_EQ(p11()->C_InitToken(*slot_, nullptr, 0, nullptr), CKR_FUNCTION_NOT_SUPPORTED);
    EXPECT_EQ(p11()->C_WaitForSlotEvent(0, nullptr, nullptr), CKR_FUNCTION_NOT_SUPPORTED);
    EXPECT_EQ(p11()->C_Initialize(nullptr), CKR_CRYPTOKI_ALREADY_INITIALIZED);
    finalize();
    EXPECT_EQ(p11()->C_GetInfo(&info), CKR_CRYPTOKI_NOT_INITIALIZED);
    EXPECT_EQ(p11()->C_Finalize(nullptr), CKR_CRYPTOKI_NOT_INITIALIZED);
}

TEST_F(Cardsim, SlotIsTheReaderAndTokenLooksLikeHiCOS) {
    CK_SLOT_INFO si{};
    ASSERT_EQ(p11()->C_GetSlotInfo(*slot_, &si), CKR_OK);
    EXPECT_EQ(field(si.slotDescription, sizeof si.slotDescription), card().reader);
    EXPECT_EQ(si.flags & (CKF_REMOVABLE_DEVICE | CKF_HW_SLOT | CKF_TOKEN_PRESENT),
              CKF_REMOVABLE_DEVICE | CKF_HW_SLOT | CKF_TOKEN_PRESENT);

    CK_TOKEN_INFO ti{};
    ASSERT_EQ(p11()->C_GetTokenInfo(*slot_, &ti), CKR_OK);
    EXPECT_EQ(field(ti.label, sizeof ti.label), "HiCOS PKI Smart Card");
    EXPECT_EQ(field(ti.manufacturerID, sizeof ti.manufacturerID), "Chunghwa TeleCom Co., Ltd.");
    EXPECT_EQ(field(ti.serialNumber, sizeof ti.serialNumber), card().serial);
    EXPECT_EQ(ti.ulMinPinLen, 6u);
    EXPECT_EQ(ti.ulMaxPinLen, 8u);
    const CK_FLAGS want = CKF_LOGIN_REQUIRED | CKF_USER_PIN_INITIALIZED | CKF_TOKEN_INITIALIZED | CKF_RNG;
    EXPECT_EQ(ti.flags & want, want);
    EXPECT_EQ(ti.flags & kPinFlags, 0u);
}

// ---- card presence -----------------------------------------------------------

TEST_F(Cardsim, TokenIsPresentOnlyWhileTheCardIsInTheReader) {
    if (card().card_cmd.empty()) GTEST_SKIP() << "no way to move the card (CARDSIM_CARD_CMD / lab)";
    auto listed = [&] {
        const auto ids = slots_with_token();
        return std::find(ids.begin(), ids.end(), *slot_) != ids.end();
    };
    ASSERT_TRUE(listed());
    const CK_SESSION_HANDLE h = open();
    ASSERT_EQ(login(h, card().pin), CKR_OK);

    ASSERT_TRUE(move_card("remove"));
    // The session notices first (its next call fails like a pulled card), then is gone.
    CK_SESSION_INFO info{};
    EXPECT_EQ(p11()->C_GetSessionInfo(h, &info), CKR_DEVICE_REMOVED);
    EXPECT_EQ(p11()->C_GetSessionInfo(h, &info), CKR_SESSION_HANDLE_INVALID);
    EXPECT_FALSE(listed());
    CK_SLOT_INFO si{};
    ASSERT_EQ(p11()->C_GetSlotInfo(*slot_, &si), CKR_OK);
    EXPECT_EQ(si.flags & CKF_TOKEN_PRESENT, 0u);
    CK_TOKEN_INFO ti{};
    EXPECT_EQ(p11()->C_GetTokenInfo(*slot_, &ti), CKR_TOKEN_NOT_PRESENT);
    CK_SESSION_HANDLE h2 = 0;
    EXPECT_EQ(p11()->C_OpenSession(*slot_, CKF_SERIAL_SESSION, nullptr, nullptr, &h2), CKR_TOKEN_NOT_PRESENT);

    ASSERT_TRUE(move_card("insert"));
    EXPECT_TRUE(listed());
    ASSERT_EQ(p11()->C_GetTokenInfo(*slot_, &ti), CKR_OK);
    // A card put back has forgotten the PIN it was given before.
    const CK_SESSION_HANDLE h3 = open();
    ASSERT_EQ(p11()->C_GetSessionInfo(h3, &info), CKR_OK);
    EXPECT_EQ(info.state, static_cast<CK_STATE>(CKS_RO_PUBLIC_SESSION));
    EXPECT_EQ(info.slotID, *slot_);
}

TEST_F(Cardsim, CardSwappedBetweenTwoCallsEndsTheSession) {
    if (card().card_cmd.empty()) GTEST_SKIP() << "no way to move the card (CARDSIM_CARD_CMD / lab)";
    const CK_SESSION_HANDLE h = open();
    ASSERT_EQ(login(h, card().pin), CKR_OK);
    ASSERT_TRUE(move_card("remove"));
    ASSERT_TRUE(move_card("insert"));
    CK_SESSION_INFO info{};
    EXPECT_EQ(p11()->C_GetSessionInfo(h, &info), CKR_DEVICE_REMOVED);
    EXPECT_EQ(p11()->C_CloseSession(h), CKR_SESSION_HANDLE_INVALID);
    const CK_SESSION_HANDLE h2 = open();
    ASSERT_EQ(p11()->C_GetSessionInfo(h2, &info), CKR_OK);
    EXPECT_EQ(info.state, static_cast<CK_STATE>(CKS_RO_PUBLIC_SESSION));
}

// ---- PIN retry counter -------------------------------------------------------

TEST_F(Cardsim, TwoWrongPinsThenTheRightOneResetsTheCounter) {
    const CK_SESSION_HANDLE h = open();
    EXPECT_EQ(pin_flags(), 0u);
    EXPECT_EQ(login(h, kWrongPin), CKR_PIN_INCORRECT);
    EXPECT_EQ(pin_flags(), CKF_USER_PIN_COUNT_LOW);
    EXPECT_EQ(read_pin_file().tries_left, 2);
    EXPECT_EQ(login(h, kWrongPin), CKR_PIN_INCORRECT);
    EXPECT_EQ(pin_flags(), CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY);
    EXPECT_EQ(read_pin_file().tries_left, 1);
    EXPECT_EQ(login(h, card().pin), CKR_OK);
    EXPECT_EQ(pin_flags(), 0u);
    const PinFile p = read_pin_file();
    EXPECT_EQ(p.tries_left, 3);
    EXPECT_EQ(p.logins, 3);
    EXPECT_EQ(p.pin_verifications, 3);
}

TEST_F(Cardsim, ThreeWrongPinsLockTheCardAndTheTokenIsNotAskedAgain) {
    const CK_SESSION_HANDLE h = open();
    EXPECT_EQ(login(h, kWrongPin), CKR_PIN_INCORRECT);
    EXPECT_EQ(login(h, kWrongPin), CKR_PIN_INCORRECT);
    EXPECT_EQ(login(h, kWrongPin), CKR_PIN_LOCKED);  // the try that locks says so
    EXPECT_EQ(pin_flags(), CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_LOCKED);
    EXPECT_EQ(read_pin_file().pin_verifications, 3);

    EXPECT_EQ(login(h, card().pin), CKR_PIN_LOCKED);
    EXPECT_EQ(login(h, kWrongPin), CKR_PIN_LOCKED);
    const PinFile p = read_pin_file();
    EXPECT_EQ(p.tries_left, 0);
    EXPECT_EQ(p.logins, 5);
    EXPECT_EQ(p.pin_verifications, 3) << "a locked card must not pass a PIN on to SoftHSM2";
    CK_SESSION_INFO info{};
    ASSERT_EQ(p11()->C_GetSessionInfo(h, &info), CKR_OK);
    EXPECT_EQ(info.state, static_cast<CK_STATE>(CKS_RO_PUBLIC_SESSION));
}

TEST_F(Cardsim, PinOfWrongLengthIsRefusedWithoutSpendingATry) {
    const CK_SESSION_HANDLE h = open();
    EXPECT_EQ(login(h, "12345"), CKR_PIN_LEN_RANGE);
    EXPECT_EQ(login(h, "123456789"), CKR_PIN_LEN_RANGE);
    EXPECT_EQ(login(h, ""), CKR_PIN_LEN_RANGE);
    EXPECT_EQ(pin_flags(), 0u);
    const PinFile p = read_pin_file();
    EXPECT_EQ(p.tries_left, 3);
    EXPECT_EQ(p.logins, 3);
    EXPECT_EQ(p.pin_verifications, 0);
}

TEST_F(Cardsim, CounterSurvivesFinalizeAndInitialize) {
    EXPECT_EQ(login(open(), kWrongPin), CKR_PIN_INCORRECT);
    reinit();
    EXPECT_EQ(pin_flags(), CKF_USER_PIN_COUNT_LOW);
    EXPECT_EQ(login(open(), kWrongPin), CKR_PIN_INCORRECT);
    reinit();
    EXPECT_EQ(pin_flags(), CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY);
}

TEST_F(Cardsim, CounterSurvivesProcesses) {
    finalize();
    const CK_SLOT_ID slot = *slot_;
    for (int i = 0; i < 2; ++i) {
        const int status = wait_status_of_child([&] {
            CK_RV rv = CKR_OK;
            if (!child_login(slot, kWrongPin, &rv)) return 2;
            p11()->C_Finalize(nullptr);
            return rv == CKR_PIN_INCORRECT ? 0 : 1;
        });
        ASSERT_TRUE(WIFEXITED(status));
        EXPECT_EQ(WEXITSTATUS(status), 0);
    }
    ASSERT_EQ(init(), CKR_OK);
    EXPECT_EQ(pin_flags(), CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY);
    EXPECT_EQ(login(open(), kWrongPin), CKR_PIN_LOCKED);
}

TEST_F(Cardsim, ConcurrentProcessesLoseNoTry) {
    finalize();
    const CK_SLOT_ID slot = *slot_;
    std::vector<pid_t> kids;
    for (int i = 0; i < 2; ++i) {
        const pid_t pid = fork();
        if (pid == 0) {
            CK_RV rv = CKR_OK;
            const bool ok = child_login(slot, kWrongPin, &rv).has_value();
            _exit(ok && rv == CKR_PIN_INCORRECT ? 0 : 1);
        }
        kids.push_back(pid);
    }
    for (pid_t pid : kids) {
        int status = 0;
        waitpid(pid, &status, 0);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    const PinFile p = read_pin_file();
    EXPECT_EQ(p.tries_left, 1);
    EXPECT_EQ(p.logins, 2);
    ASSERT_EQ(init(), CKR_OK);
}

TEST_F(Cardsim, StateFileWrittenByATestSetsTheCounter) {
    {
        std::ofstream out(state_file());
        out << R"({"tries_left": 1})";
    }
    EXPECT_EQ(pin_flags(), CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY);
    {
        std::ofstream out(state_file());
        out << "not json";
    }
    CK_TOKEN_INFO ti{};
    EXPECT_EQ(p11()->C_GetTokenInfo(*slot_, &ti), CKR_DEVICE_ERROR);
    fs::remove(state_file());
    EXPECT_EQ(pin_flags(), 0u);
}

// ---- faults ---------------------------------------------------------------

TEST_F(Cardsim, CrashFaultAbortsTheProcessInThatCall) {
    finalize();
    const CK_SLOT_ID slot = *slot_;
    const int status = wait_status_of_child([&] {
        ::setenv("CARDSIM_FAULT", "crash:C_Login", 1);
        child_login(slot, card().pin);
        return 0;  // not reached when the fault works
    });
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
    EXPECT_EQ(WTERMSIG(status), SIGABRT);
    EXPECT_EQ(read_pin_file().logins, 0) << "the crash happens before the card is asked";
    ASSERT_EQ(init(), CKR_OK);
}

TEST_F(Cardsim, HangFaultNeverReturnsFromThatCall) {
    finalize();
    const CK_SLOT_ID slot = *slot_;
    int ready[2];
    ASSERT_EQ(pipe(ready), 0);
    const pid_t pid = fork();
    if (pid == 0) {
        close(ready[0]);
        ::setenv("CARDSIM_FAULT", "hang:C_Sign", 1);
        const auto h = child_login(slot, card().pin);
        if (!h) _exit(2);
        CK_FUNCTION_LIST_PTR f = p11();
        CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
        CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls}};
        CK_OBJECT_HANDLE key = 0;
        CK_ULONG n = 0;
        f->C_FindObjectsInit(*h, t, 1);
        f->C_FindObjects(*h, &key, 1, &n);
        f->C_FindObjectsFinal(*h);
        CK_MECHANISM mech{CKM_SHA256_RSA_PKCS, nullptr, 0};
        if (n != 1 || f->C_SignInit(*h, &mech, key) != CKR_OK) _exit(3);
        if (write(ready[1], "s", 1) != 1) _exit(4);
        unsigned char data[] = "hello", sig[512];
        CK_ULONG sig_len = sizeof sig;
        f->C_Sign(*h, data, 5, sig, &sig_len);
        _exit(0);  // not reached when the fault works
    }
    close(ready[1]);
    pollfd pfd{ready[0], POLLIN, 0};
    char c = 0;
    ASSERT_EQ(poll(&pfd, 1, 30000), 1) << "child never reached C_Sign";
    const bool reached = read(ready[0], &c, 1) == 1;
    close(ready[0]);
    if (!reached) {  // the child died before C_Sign; report how
        int status = 0;
        waitpid(pid, &status, 0);
        FAIL() << "child did not reach C_Sign, status " << status;
    }
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    bool timed_out = true;
    while (std::chrono::steady_clock::now() < deadline) {
        if (waitpid(pid, &status, WNOHANG) == pid) {
            timed_out = false;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (timed_out) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    EXPECT_TRUE(timed_out) << "C_Sign returned; child status " << status;
    ASSERT_EQ(init(), CKR_OK);
}

TEST_F(Cardsim, RemovedFaultAnswersDeviceRemovedAndEndsTheSession) {
    ::setenv("CARDSIM_FAULT", "removed:C_Sign", 1);
    reinit();
    const CK_SESSION_HANDLE h = open();
    ASSERT_EQ(login(h, card().pin), CKR_OK);
    const CK_OBJECT_HANDLE key = find(h, CKO_PRIVATE_KEY);
    ASSERT_NE(key, CK_INVALID_HANDLE);
    CK_MECHANISM mech{CKM_SHA256_RSA_PKCS, nullptr, 0};
    ASSERT_EQ(p11()->C_SignInit(h, &mech, key), CKR_OK);
    unsigned char data[] = "hello", sig[512];
    CK_ULONG sig_len = sizeof sig;
    EXPECT_EQ(p11()->C_Sign(h, data, 5, sig, &sig_len), CKR_DEVICE_REMOVED);
    CK_SESSION_INFO info{};
    EXPECT_EQ(p11()->C_GetSessionInfo(h, &info), CKR_SESSION_HANDLE_INVALID);
    // The card itself is still there.
    CK_TOKEN_INFO ti{};
    EXPECT_EQ(p11()->C_GetTokenInfo(*slot_, &ti), CKR_OK);
}

TEST_F(Cardsim, FaultWithACardQualifierHitsOnlyThatCard) {
    ::setenv("CARDSIM_FAULT", "removed:C_GetTokenInfo:card:some-other-card", 1);
    reinit();
    CK_TOKEN_INFO ti{};
    EXPECT_EQ(p11()->C_GetTokenInfo(*slot_, &ti), CKR_OK);
    ::setenv("CARDSIM_FAULT", ("removed:C_GetTokenInfo:card:" + card().name).c_str(), 1);
    reinit();
    EXPECT_EQ(p11()->C_GetTokenInfo(*slot_, &ti), CKR_DEVICE_REMOVED);
}

TEST_F(Cardsim, MisspelledFaultFailsInitialize) {
    finalize();
    ::setenv("CARDSIM_FAULT", "crash:C_Sing", 1);
    EXPECT_NE(init(), CKR_OK);
    ::setenv("CARDSIM_FAULT", "explode:C_Sign", 1);
    EXPECT_NE(init(), CKR_OK);
    ::unsetenv("CARDSIM_FAULT");
    ASSERT_EQ(init(), CKR_OK);
}

// ---- signing through the wrapper -------------------------------------------

struct PkeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

std::vector<unsigned char> attribute(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type) {
    CK_ATTRIBUTE a{type, nullptr, 0};
    if (p11()->C_GetAttributeValue(h, o, &a, 1) != CKR_OK) return {};
    std::vector<unsigned char> v(a.ulValueLen);
    a.pValue = v.data();
    if (p11()->C_GetAttributeValue(h, o, &a, 1) != CKR_OK) return {};
    return v;
}

// The card's public key: from its certificate when the card has one, else from
// the public key object.
Pkey public_key(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE cert, CK_OBJECT_HANDLE pub) {
    if (cert != CK_INVALID_HANDLE) {
        const auto der = attribute(h, cert, CKA_VALUE);
        const unsigned char* p = der.data();
        X509* x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
        if (x == nullptr) return nullptr;
        Pkey k(X509_get_pubkey(x));
        X509_free(x);
        return k;
    }
    if (pub == CK_INVALID_HANDLE) return nullptr;
    const auto n = attribute(h, pub, CKA_MODULUS);
    const auto e = attribute(h, pub, CKA_PUBLIC_EXPONENT);
    BIGNUM* bn_n = BN_bin2bn(n.data(), static_cast<int>(n.size()), nullptr);
    BIGNUM* bn_e = BN_bin2bn(e.data(), static_cast<int>(e.size()), nullptr);
    OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n);
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e);
    OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
    EVP_PKEY* k = nullptr;
    if (EVP_PKEY_fromdata_init(ctx) != 1 || EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, params) != 1)
        k = nullptr;
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn_n);
    BN_free(bn_e);
    return Pkey(k);
}

TEST_F(Cardsim, SignWithTheSignKeyVerifiesWithOpenSSL) {
    const CK_SESSION_HANDLE h = open();
    ASSERT_EQ(login(h, card().pin), CKR_OK);
    const CK_OBJECT_HANDLE key = find(h, CKO_PRIVATE_KEY);
    ASSERT_NE(key, CK_INVALID_HANDLE) << "no private key with ID SIGN";
    const Pkey pub = public_key(h, find(h, CKO_CERTIFICATE), find(h, CKO_PUBLIC_KEY));
    ASSERT_NE(pub, nullptr) << "no certificate or public key with ID SIGN";

    const std::string tbs = "CertWiz challenge 7f3a9c";
    CK_MECHANISM mech{CKM_SHA256_RSA_PKCS, nullptr, 0};
    ASSERT_EQ(p11()->C_SignInit(h, &mech, key), CKR_OK);
    auto* data = reinterpret_cast<CK_BYTE_PTR>(const_cast<char*>(tbs.data()));
    CK_ULONG sig_len = 0;
    ASSERT_EQ(p11()->C_Sign(h, data, tbs.size(), nullptr, &sig_len), CKR_OK);
    std::vector<unsigned char> sig(sig_len);
    ASSERT_EQ(p11()->C_Sign(h, data, tbs.size(), sig.data(), &sig_len), CKR_OK);
    sig.resize(sig_len);
    EXPECT_EQ(sig.size(), 256u);

    EVP_MD_CTX* md = EVP_MD_CTX_new();
    ASSERT_EQ(EVP_DigestVerifyInit(md, nullptr, EVP_sha256(), nullptr, pub.get()), 1);
    EXPECT_EQ(EVP_DigestVerify(md, sig.data(), sig.size(), reinterpret_cast<const unsigned char*>(tbs.data()),
                               tbs.size()),
              1);
    // A changed text must not verify: the check above is not vacuous.
    const std::string other = tbs + "!";
    ASSERT_EQ(EVP_DigestVerifyInit(md, nullptr, EVP_sha256(), nullptr, pub.get()), 1);
    EXPECT_NE(EVP_DigestVerify(md, sig.data(), sig.size(), reinterpret_cast<const unsigned char*>(other.data()),
                               other.size()),
              1);
    EVP_MD_CTX_free(md);
}

}  // namespace
