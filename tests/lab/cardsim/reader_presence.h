// Asks pcsc-lite, at the moment of each query, which of the configured readers
// hold a card. This is what makes a token appear and disappear with the card.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace certwiz::cardsim {

struct CardPresence {
    bool present = false;
    // pcsc-lite's card event counter for the reader (high word of
    // dwEventState): it changes on every insertion and removal, so a card
    // pulled and put back between two calls is still noticed.
    std::uint32_t events = 0;

    bool same_card(const CardPresence& other) const {
        return present && other.present && events == other.events;
    }
};

// One entry per reader name, in order. With no PC/SC service, or a reader
// pcscd does not know, the answer is "no card".
std::vector<CardPresence> query_presence(const std::vector<std::string>& readers);

}  // namespace certwiz::cardsim
