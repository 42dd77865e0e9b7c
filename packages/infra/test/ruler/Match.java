import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import software.amazon.event.ruler.Machine;

/**
 * Matches events against EventBridge patterns with AWS Event Ruler, the engine behind EventBridge.
 * Reads {"rules": {name: pattern}, "events": {name: event}} on standard input and prints
 * {event name: [names of the rules it matches, sorted]} on standard output.
 */
public class Match {
  public static void main(String[] args) throws Exception {
    ObjectMapper json = new ObjectMapper();
    JsonNode input = json.readTree(System.in);
    Machine machine = new Machine();
    for (Iterator<Map.Entry<String, JsonNode>> rules = input.get("rules").properties().iterator(); rules.hasNext(); ) {
      Map.Entry<String, JsonNode> rule = rules.next();
      machine.addRule(rule.getKey(), json.writeValueAsString(rule.getValue()));
    }
    ObjectNode out = json.createObjectNode();
    for (Iterator<Map.Entry<String, JsonNode>> events = input.get("events").properties().iterator(); events.hasNext(); ) {
      Map.Entry<String, JsonNode> event = events.next();
      List<String> matched = machine.rulesForJSONEvent(json.writeValueAsString(event.getValue()));
      matched.sort(null);
      out.set(event.getKey(), json.valueToTree(matched));
    }
    System.out.println(json.writeValueAsString(out));
  }
}
