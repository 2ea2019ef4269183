package com.lifecycleorchestrator.coldstart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.File;
import java.util.Set;
import java.util.TreeSet;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The benchmark's baseline is the function's dependencies as they come, with nothing excluded: the
 * {@code coldstart} profile of pom.xml puts back, at provided scope, exactly what the function's
 * dependencies exclude. A new exclusion without its counterpart there would quietly make the
 * baseline lighter than an ordinary build.
 */
class ColdStartBaselineTest {

  @Test
  void theBaselinePutsBackExactlyWhatTheFunctionExcludes() throws Exception {
    Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new File("pom.xml"));

    Set<String> excluded = artifacts(pom, "/project/dependencies/dependency[not(scope='test')]/exclusions/exclusion");
    Set<String> putBack = artifacts(pom, "/project/profiles/profile[id='coldstart']/dependencies/dependency[scope='provided']");

    assertFalse(excluded.isEmpty(), "pom.xml excludes nothing? the query no longer finds its exclusions");
    assertEquals(excluded, putBack);
  }

  private static Set<String> artifacts(Document pom, String path) throws Exception {
    NodeList nodes = (NodeList) XPathFactory.newInstance().newXPath().evaluate(path, pom, XPathConstants.NODESET);
    Set<String> artifacts = new TreeSet<>();
    for (int i = 0; i < nodes.getLength(); i++) {
      Element element = (Element) nodes.item(i);
      artifacts.add(text(element, "groupId") + ":" + text(element, "artifactId"));
    }
    return artifacts;
  }

  private static String text(Element element, String child) {
    return element.getElementsByTagName(child).item(0).getTextContent().strip();
  }
}
