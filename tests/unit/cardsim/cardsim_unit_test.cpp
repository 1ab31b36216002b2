#include <unistd.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/lab/cardsim/config.h"
#include "tests/lab/cardsim/pin_counter.h"
#include "tests/lab/cardsim/reader_presence.h"

namespace certwiz::cardsim {
namespace {

namespace fs = std::filesystem;

TEST(CardsimFaultList, ParsesModesFunctionsAndCardQualifier) {
    std::vector<Fault> faults;
    ASSERT_FALSE(parse_faults("crash:C_Login, hang:C_Sign,removed:C_Sign:card:business", faults));
    ASSERT_EQ(faults.size(), 3u);
    EXPECT_EQ(faults[0].kind, FaultKind::crash);
    EXPECT_EQ(faults[0].function, "C_Login");
    EXPECT_EQ(faults[0].card, "");
    EXPECT_EQ(faults[1].kind, FaultKind::hang);
    EXPECT_EQ(faults[1].function, "C_Sign");
    EXPECT_EQ(faults[2].kind, FaultKind::removed);
    EXPECT_EQ(faults[2].function, "C_Sign");
    EXPECT_EQ(faults[2].card, "business");
}

TEST(CardsimFaultList, EmptyTextMeansNoFaults) {
    std::vector<Fault> faults;
    EXPECT_FALSE(parse_faults("", faults));
    EXPECT_FALSE(parse_faults(" , ", faults));
    EXPECT_TRUE(faults.empty());
}

TEST(CardsimFaultList, RejectsTyposInsteadOfTestingNothing) {
    std::vector<Fault> faults;
    EXPECT_TRUE(parse_faults("crash:C_Sing", faults));
    EXPECT_TRUE(parse_faults("boom:C_Sign", faults));
    EXPECT_TRUE(parse_faults("C_Sign", faults));
    EXPECT_TRUE(parse_faults("hang:C_Sign:card:", faults));
    EXPECT_TRUE(faults.empty());
}

TEST(CardsimFaultList, KnowsEveryV240FunctionName) {
    EXPECT_TRUE(is_pkcs11_function_name("C_WaitForSlotEvent"));
    EXPECT_TRUE(is_pkcs11_function_name("C_GetFunctionList"));
    EXPECT_FALSE(is_pkcs11_function_name("C_GetInterface"));  // v3.0
}

class CardsimPinCounter : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/cardsim-unit.XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override { fs::remove_all(dir_); }
    fs::path dir_;
};

TEST_F(CardsimPinCounter, MissingFileIsAFreshCard) {
    const auto s = PinCounter(dir_.string(), "citizen").read();
    ASSERT_TRUE(s);
    EXPECT_EQ(s->tries_left, 3);
    EXPECT_EQ(s->logins, 0);
}

TEST_F(CardsimPinCounter, UpdatePersistsForTheNextReader) {
    PinCounter c(dir_.string(), "citizen");
    ASSERT_TRUE(c.update([](PinState& s) {
        s.tries_left = 1;
        ++s.logins;
    }));
    const auto s = PinCounter(dir_.string(), "citizen").read();
    ASSERT_TRUE(s);
    EXPECT_EQ(s->tries_left, 1);
    EXPECT_EQ(s->logins, 1);
    EXPECT_EQ(PinCounter(dir_.string(), "business").read()->tries_left, 3);  // per card
}

TEST_F(CardsimPinCounter, MalformedFileIsAnError) {
    for (const char* text : {"nope", R"({"tries_left": 7})", R"({"tries_left": "3"})", "[]"}) {
        std::ofstream(dir_ / "citizen.json") << text;
        PinCounter c(dir_.string(), "citizen");
        EXPECT_FALSE(c.read()) << text;
        EXPECT_FALSE(c.update([](PinState&) {})) << text;
    }
}

TEST_F(CardsimPinCounter, ConcurrentProcessesDoNotLoseUpdates) {
    constexpr int kProcs = 4, kEach = 25;
    std::vector<pid_t> kids;
    for (int p = 0; p < kProcs; ++p) {
        const pid_t pid = fork();
        if (pid == 0) {
            PinCounter c(dir_.string(), "citizen");
            for (int i = 0; i < kEach; ++i)
                if (!c.update([](PinState& s) { ++s.logins; })) _exit(1);
            _exit(0);
        }
        kids.push_back(pid);
    }
    for (pid_t pid : kids) {
        int status = 0;
        waitpid(pid, &status, 0);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    EXPECT_EQ(PinCounter(dir_.string(), "citizen").read()->logins, kProcs * kEach);
    for (const auto& e : fs::directory_iterator(dir_))  // no temporary files left behind
        EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
}

TEST(CardsimReaderPresence, NoPcscServiceMeansNoCard) {
    // Pointing the client at a socket nobody listens on is how "no pcscd" looks.
    ::setenv("PCSCLITE_CSOCK_NAME", "/nonexistent/pcscd.comm", 1);
    const auto p = query_presence({"Some Reader 00 00"});
    ::unsetenv("PCSCLITE_CSOCK_NAME");
    ASSERT_EQ(p.size(), 1u);
    EXPECT_FALSE(p[0].present);
}

}  // namespace
}  // namespace certwiz::cardsim
