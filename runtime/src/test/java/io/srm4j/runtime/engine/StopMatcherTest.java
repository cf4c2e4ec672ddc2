package io.srm4j.runtime.engine;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class StopMatcherTest {
    @Test
    void stopStringSplitAcrossPiecesIsCutAndNeverShown() {
        var m = new Session.StopMatcher(List.of("</answer>"));
        StringBuilder shown = new StringBuilder();
        for (String piece : new String[]{"The ans", "wer is 4", "</ans", "wer> trailing"}) {
            shown.append(m.add(piece, false));
            if (m.matched() != null) break;
        }
        assertEquals("</answer>", m.matched());
        assertEquals("The answer is 4", m.text());
        assertEquals("The answer is 4", shown.toString());
    }

    @Test
    void heldBackTextIsReleasedWhenItStopsLookingLikeAStop() {
        var m = new Session.StopMatcher(List.of("STOP"));
        assertEquals("abc", m.add("abcST", false));
        assertEquals("STx", m.add("x", false));
        assertEquals("ST", m.add("ST", true)); // last piece: everything goes out
        assertNull(m.matched());
        assertEquals("abcSTxST", m.text());
    }

    @Test
    void earliestOfSeveralStopsWins() {
        var m = new Session.StopMatcher(List.of("\n\n", "User:"));
        m.add("Hi User: there\n\nmore", false);
        assertEquals("User:", m.matched());
        assertEquals("Hi ", m.text());
    }

    @Test
    void withoutStopsEverythingFlows() {
        var m = new Session.StopMatcher(List.of());
        assertEquals("abc", m.add("abc", false));
        assertEquals("", m.add("", false));
        assertNull(m.matched());
    }
}
