package com.lifecycleorchestrator.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every relative link of README.md and docs/*.md leads somewhere: to a file of the repository and,
 * when it names one, to a heading of that file, by the anchor GitHub derives from the heading's text.
 */
class DocumentationLinksTest {

  private static final Pattern LINK = Pattern.compile("\\[[^\\]]*\\]\\(([^)\\s]+)\\)");
  private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.+?)\\s*#*$");

  @Test
  void everyRelativeLinkAndAnchorResolves() {
    List<String> broken = new ArrayList<>();
    for (Path page : pages()) {
      for (String target : linksOf(page)) {
        if (target.matches("[a-z]+:.*")) {
          continue;
        }
        int hash = target.indexOf('#');
        String file = hash < 0 ? target : target.substring(0, hash);
        Path linked = file.isEmpty() ? page : page.toAbsolutePath().getParent().resolve(file).normalize();
        if (!Files.exists(linked)) {
          broken.add(page + ": " + target + " (no file " + linked + ")");
        } else if (hash >= 0 && !anchorsOf(linked).contains(target.substring(hash + 1))) {
          broken.add(page + ": " + target + " (no heading with that anchor in " + linked + ")");
        }
      }
    }
    assertEquals(List.of(), broken);
  }

  @Test
  void anchorsAreMadeAsGitHubMakesThem() {
    assertEquals("try-it-with-sam-local-invoke", anchor("Try it with `sam local invoke`"));
    assertEquals("memory-256-mb", anchor("Memory: 256 MB"));
    assertEquals("operations-metrics-alarms-and-a-failed-instance-kept-for-a-look",
        anchor("Operations: metrics, alarms, and a failed instance kept for a look"));
  }

  @Test
  void theReadmeStaysAFirstTenMinutesRead() throws IOException {
    long lines = Files.readAllLines(Path.of("README.md")).size();
    assertTrue(lines <= 320, "README.md has " + lines + " lines; move detail to docs/");
  }

  private static List<Path> pages() {
    try (Stream<Path> docs = Files.list(Path.of("docs"))) {
      List<Path> pages = new ArrayList<>(List.of(Path.of("README.md")));
      docs.filter(path -> path.toString().endsWith(".md")).sorted().forEach(pages::add);
      return pages;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The link targets of a page, outside its code blocks and code spans. */
  private static List<String> linksOf(Path page) {
    List<String> targets = new ArrayList<>();
    boolean inCode = false;
    for (String line : read(page)) {
      if (line.startsWith("```")) {
        inCode = !inCode;
      } else if (!inCode) {
        Matcher link = LINK.matcher(line.replaceAll("`[^`]*`(?!\\])", "``"));
        while (link.find()) {
          targets.add(link.group(1));
        }
      }
    }
    return targets;
  }

  private static Set<String> anchorsOf(Path page) {
    Set<String> anchors = new HashSet<>();
    boolean inCode = false;
    for (String line : read(page)) {
      if (line.startsWith("```")) {
        inCode = !inCode;
        continue;
      }
      Matcher heading = HEADING.matcher(line);
      if (!inCode && heading.matches()) {
        String anchor = anchor(heading.group(1));
        String unique = anchor;
        for (int n = 1; anchors.contains(unique); n++) {
          unique = anchor + "-" + n;
        }
        anchors.add(unique);
      }
    }
    return anchors;
  }

  /** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens. */
  static String anchor(String heading) {
    return heading.toLowerCase(Locale.ROOT)
        .replaceAll("[^\\p{L}\\p{N}\\s_-]", "")
        .replace(' ', '-');
  }

  private static List<String> read(Path page) {
    try {
      return Files.readAllLines(page);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
