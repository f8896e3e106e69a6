/** A URL that names no page. */
import { Button } from "@mantine/core";
import { IconMapSearch } from "@tabler/icons-react";
import { Link } from "react-router";
import { useEnvironment } from "../lib/environment";
import { Empty } from "../ui/States";

export function NotFound() {
  const env = useEnvironment();
  return (
    <Empty
      icon={<IconMapSearch size={28} />}
      title="No page here"
      description="The link may be old, or the page was moved."
      action={
        <Button component={Link} to={`/${env}/inbox`}>
          Go to the inbox
        </Button>
      }
    />
  );
}
